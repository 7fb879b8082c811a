"""Every credential family the library claims to cover has a SIT, in the bundles a policy selects."""

from __future__ import annotations

from service.definitions import DefinitionSet

# Family -> the SITs that cover it (at least one of each list must exist).
FAMILIES: dict[str, list[str]] = {
    "Alibaba Cloud": ["Alibaba Cloud AccessKey ID", "Alibaba Cloud AccessKey secret"],
    "Cloudflare": ["Cloudflare API token", "Cloudflare global API key", "Cloudflare Origin CA key"],
    "Datadog": ["Datadog API key", "Datadog application key"],
    "Fastly": ["Fastly API token"],
    "Netlify": ["Netlify personal access token", "Netlify legacy access token"],
    "Vercel": ["Vercel access token"],
    "Snyk": ["Snyk API token"],
    "Tailscale": ["Tailscale key"],
    "PagerDuty": ["PagerDuty REST API key", "PagerDuty integration key"],
    "Airtable": ["Airtable personal access token", "Airtable legacy API key"],
    "Asana": ["Asana personal access token"],
    "Notion": ["Notion integration token", "Notion legacy integration secret"],
    "Intercom": ["Intercom access token"],
    "LaunchDarkly": ["LaunchDarkly SDK key", "LaunchDarkly mobile key", "LaunchDarkly API access token"],
    "Mailgun": ["Mailgun API key"],
    "Mailchimp": ["Mailchimp API key", "Mandrill API key"],
    "Mapbox": ["Mapbox secret access token"],
    "ngrok": ["ngrok authtoken"],
    "PayPal/Braintree": ["PayPal client secret", "Braintree private key", "Braintree access token"],
    "Square": ["Square access token", "Square OAuth application secret"],
    "Pulumi": ["Pulumi access token"],
    "Supabase": ["Supabase personal access token", "Supabase secret API key"],
    "Snowflake": ["Snowflake programmatic access token"],
    "Okta": ["Okta API token", "Okta client secret"],
    "Auth0": ["Auth0 client secret", "Auth0 management API token"],
    "Facebook/Meta": ["Facebook access token", "Facebook app secret"],
    "Twitter/X": ["Twitter API secret", "Twitter access token"],
    "LinkedIn": ["LinkedIn client secret", "LinkedIn access token"],
    "Salesforce": ["Salesforce access token", "Salesforce consumer secret"],
    "Dynatrace": ["Dynatrace API token"],
    "Docker Hub": ["Docker Hub personal access token"],
    "Grafana": ["Grafana service account token", "Grafana Cloud access policy token", "Grafana legacy API key"],
    "Google OAuth": ["Google OAuth access token", "Google OAuth client secret"],
    "AWS session tokens": ["AWS session token"],
    "Azure App Configuration": ["Azure App Configuration connection string"],
    "Webhooks": ["Microsoft Teams incoming webhook URL", "Discord webhook URL", "Zapier webhook URL"],
    "Kubernetes bootstrap tokens": ["Kubernetes bootstrap token"],
    "HashiCorp Vault and Terraform Cloud": ["HashiCorp Vault token", "Terraform Cloud API token"],
    "age": ["age secret key"],
    "New Relic": [
        "New Relic license key",
        "New Relic admin API key",
        "New Relic Insights insert key",
        "New Relic Insights query key",
        "New Relic REST API key",
    ],
    "SonarQube": ["SonarQube user token", "SonarQube project analysis token", "SonarQube global analysis token"],
    "Sourcegraph": ["Sourcegraph access token"],
    "Figma": ["Figma personal access token"],
    "Postmark": ["Postmark server token"],
    "crates.io": ["crates.io API token"],
    "Artifactory": ["JFrog Artifactory API key", "JFrog Artifactory reference token"],
    "Bitbucket": ["Bitbucket app password", "Bitbucket OAuth consumer secret"],
    "CircleCI": ["CircleCI personal API token", "CircleCI legacy API token"],
    "Confluent": ["Confluent Cloud API secret"],
    "Jenkins": ["Jenkins API token"],
    "Twitch": ["Twitch client secret", "Twitch OAuth token"],
    "Box": ["Box developer token"],
    "Spotify": ["Spotify client secret"],
    "AI API keys": [
        "OpenAI API key",
        "Anthropic API key",
        "Groq API key",
        "Perplexity API key",
        "xAI API key",
        "Mistral AI API key",
        "Cohere API key",
        "OpenRouter API key",
    ],
    "Twilio": ["Twilio API key", "Twilio auth token"],
    "Telegram": ["Telegram bot token", "Telegram API hash"],
    "npm": ["npm access token", "npm legacy auth token", "npm basic auth credential"],
    "Password hashes": [
        "bcrypt password hash",
        "md5crypt password hash",
        "sha256crypt password hash",
        "sha512crypt password hash",
        "Cisco type 8 password hash",
        "Cisco type 9 password hash",
        "Kerberos AS-REP hash",
    ],
}

VENDOR_BUNDLES = {
    "Cloud provider credentials",
    "CI/CD credentials",
    "Payment credentials",
    "Communication credentials",
    "AI service credentials",
    "Monitoring credentials",
    "SaaS API credentials",
    "Package registry credentials",
    "Private keys",
    "Password hashes",
}


def test_every_listed_family_has_its_sits(builtin_definitions: DefinitionSet) -> None:
    names = {definition.name for definition in builtin_definitions}
    missing = {family: [n for n in sits if n not in names] for family, sits in FAMILIES.items()}
    assert {family: sits for family, sits in missing.items() if sits} == {}


def test_table_sits_are_developer_credentials_of_a_vendor_category(builtin_definitions: DefinitionSet) -> None:
    for definition in builtin_definitions:
        if "/tables/" not in definition.source:
            continue
        assert "Developer credentials" in definition.bundles, definition.name
        assert VENDOR_BUNDLES & set(definition.bundles), definition.name


def test_password_hashes_are_their_own_category(builtin_definitions: DefinitionSet) -> None:
    hashes = [d for d in builtin_definitions if d.category == "password_hashes"]
    assert {d.name for d in hashes} >= set(FAMILIES["Password hashes"])
