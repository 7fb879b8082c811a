"""DLP classifier: sensitive information type definitions, the classification engine and its front ends."""
