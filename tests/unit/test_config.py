"""Configuration (pydantic-settings, `pathway_runtime/config.py`): each field from its variable,
the environment over `.env` over the stack file of `pathway dev`, errors that name the
variable and never its value, secrets masked."""

from __future__ import annotations

import pytest

from pathway_runtime.config import ENV_NAMES, AppConfig, ConfigError, load_config, secret

SECRET = "s3cret-value-that-must-not-leak"


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """No variable of ours in the environment; `.env` and the stack file in a directory of the test's."""
    for name in (*ENV_NAMES.values(), "PATHWAY_ENV_FILE", "PATHWAY_STACK_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_every_field_is_read_from_its_documented_variable():
    assert ENV_NAMES["database_url"] == "DATABASE_URL" and ENV_NAMES["smtp_password"] == "SMTP_PASSWORD"
    assert ENV_NAMES["ruleset_file"] == "PATHWAY_RULESET" and ENV_NAMES["centre_rulesets"] == "PATHWAY_CENTRE_RULESETS"
    assert len(set(ENV_NAMES.values())) == len(ENV_NAMES) == len(AppConfig.model_fields)


def test_the_environment_wins_over_dot_env_which_wins_over_the_stack_file(clean, tmp_path):
    (tmp_path / ".pathway").mkdir()
    (tmp_path / ".pathway" / "stack.env").write_text(
        "DATABASE_URL=postgresql://stack/db\nTEMPORAL_ADDRESS=127.0.0.1:7000\nSMTP_HOST=from-stack\n")
    (tmp_path / ".env").write_text("TEMPORAL_ADDRESS=127.0.0.1:7100\nSMTP_PORT=2600\nPOSTGRES_PASSWORD=compose-only\n")
    clean.setenv("SMTP_PORT", "2700")

    config = load_config()

    assert config.database_url == "postgresql://stack/db"  # only in the stack file
    assert config.temporal_address == "127.0.0.1:7100"  # .env over the stack file
    assert config.smtp_port == 2700  # the environment over .env
    assert config.smtp_host is None, "the stack file gives only the addresses pathway dev chose"


def test_pathway_env_file_names_another_dot_env_and_empty_variables_count_as_unset(clean, tmp_path):
    (tmp_path / "site.env").write_text("PATHWAY_API_PORT=9100\n")
    clean.setenv("PATHWAY_ENV_FILE", str(tmp_path / "site.env"))
    clean.setenv("SMTP_HOST", "")

    config = load_config()

    assert config.api_port == 9100 and config.smtp_host is None


def test_an_error_names_each_variable_and_what_is_wrong_never_the_value(clean):
    clean.setenv("SMTP_PORT", "twenty-five")
    clean.setenv("WEBHOOK_SECRET", "short")
    clean.setenv("PATHWAY_CODEC_SERVER_TOKEN", "tiny-secret")

    with pytest.raises(ConfigError) as refused:
        load_config()

    message = str(refused.value)
    assert message.startswith("invalid configuration: ")
    assert "SMTP_PORT: Input should be a valid integer" in message
    assert "WEBHOOK_SECRET: must be at least 16 characters" in message
    assert "PATHWAY_CODEC_SERVER_TOKEN: must be at least 16 characters" in message
    for value in ("twenty-five", "short", "tiny-secret"):
        assert value not in message


def test_a_rule_across_variables_names_both():
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET is required when WEBHOOK_URL is set"):
        load_config({"WEBHOOK_URL": "https://hooks.example.org/x"})


def test_secrets_are_masked_in_reprs_and_handed_over_only_on_purpose():
    config = load_config({"SMTP_PASSWORD": SECRET, "WEBHOOK_URL": "https://h.example.org", "WEBHOOK_SECRET": SECRET,
                          "PATHWAY_CODEC_KEYS": f"k1:{SECRET}", "PATHWAY_CODEC_SERVER_TOKEN": SECRET})

    assert SECRET not in repr(config) and SECRET not in str(config.model_dump())
    assert secret(config.smtp_password) == SECRET and secret(config.codec_keys) == f"k1:{SECRET}"
    assert secret(None) is None


def test_an_explicit_mapping_is_read_alone_and_fields_can_be_given_by_name(clean, tmp_path):
    (tmp_path / ".env").write_text("PATHWAY_API_PORT=9100\n")
    clean.setenv("PATHWAY_TASK_QUEUE", "from-the-environment")

    assert load_config({"PATHWAY_API_CONCURRENCY": "4"}).api_port == 8000, "no .env when a mapping is given"
    assert load_config({}).task_queue == "patient-pathway", "nor the environment"
    assert AppConfig(task_queue="by-name").task_queue == "by-name"
