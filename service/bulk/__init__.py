"""``dlp scan``: bulk scanning on Apache Spark, local by default, a cluster when configured.

The driver lists the files (the same selection ``dlp classify`` makes), cuts them into batches and
hands each batch to Spark; every executor process compiles the shipped definitions once and
classifies its files through ``service.cli_scan``, the code path of ``dlp classify`` for one input,
so the findings are the same by construction. Results go to a journal of JSON lines, batch by
batch, so that a run killed half-way resumes where it stopped, and to Parquet at the end.

pyspark is an optional extra: only ``service.bulk.spark`` and the modules it calls at run time
import it, and only once the command runs.
"""

SPARK_EXTRA_HINT = "pip install -e '.[spark]'"
