"""The sync with paid engines, end to end through boto3/httpx against the local stand-ins."""

from __future__ import annotations

import git

from bot.sync.replay import build_replay
from bot.sync.report import build_report, pr_body
from bot.sync.runner import SyncOptions, run_sync
from bot.translate.factory import make_engine, memory_from_commit
from tests.conftest import ROOT

SAMPLE = ROOT / "examples" / "r2-hybridize"
HYB = "chapter_computational-performance/hybridize.md"
#: The sample's Chinese is already ahead of its upstream change (nothing to send): re-translation of its
#: five changed blocks is requested, as a reviewer's ``/amts retranslate`` would.
FORCED = {HYB: frozenset({25, 30, 31, 43, 53})}


def test_sync_with_amazon_translate_realtime(aws_env, tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh", engine="aws", force=FORCED),
                      lambda *_: make_engine("aws", lang="zh"))
    report = build_report(result)
    assert result.commit and report["chars_billed"] > 0
    assert report["chars_billed"] == aws_env.translate.billed_chars
    assert set(aws_env.translate.operations()) == {"TranslateText"}
    units = [u for u in result.jobs[0].outcome.units if u.action == "retranslate"]
    assert len(units) == 5 and all(u.status == "ok" and u.engines == ["aws"] for u in units)
    assert "realtime" in result.engine_summary
    assert result.cost_usd > 0 and "$0.0" in pr_body(result, report, result.cost_usd)
    text = (git.Repo(edition).commit("amts/sync-zh").tree / "chapter_computational-performance/hybridize.md")
    assert "`tf.keras.Sequential`" in text.data_stream.read().decode()


def test_sync_engine_dropping_a_placeholder_fails_only_that_block(aws_env, tmp_path):
    upstream, edition = build_replay(SAMPLE, tmp_path)
    aws_env.translate.faults.drop_spans_in = ["tf.keras.Sequential"]
    result = run_sync(SyncOptions(str(upstream), str(edition), "zh", engine="aws", force=FORCED),
                      lambda *_: make_engine("aws", lang="zh"))
    units = [u for u in result.jobs[0].outcome.units if u.action == "retranslate"]
    failed = [u for u in units if u.status == "failed"]
    assert len(failed) == 1 and "tf.keras.Sequential" in failed[0].old_text
    assert any("placeholder" in n or "markup" in n for n in failed[0].notes)
    assert sum(u.status == "ok" for u in units) == 4


# -- issue 9: the fuzzy-TM rule and the term convention hold under every engine ---------------------------------

TRUST = ROOT / "tests" / "data" / "trust" / "underfit-overfit"
UO = "chapter_multilayer-perceptrons/underfit-overfit.md"
#: The human sentence with the term convention; the English of it changes by one word upstream (real d2l-en
#: v0.17.0 -> v0.17.5: "data points" -> "data examples").
HUMAN = ("*训练误差*（training error）是指，\n模型在训练数据集上计算得到的误差。\n"
         "*泛化误差*（generalization error）是指，\n"
         "模型应用在同样从原始样本的分布中抽取的无限多数据样本时，模型误差的期望。\n")
#: A real rewrite of that English sentence (not a near-match): it is sent, and the convention must survive it.
REWRITE = ("The *training error* is the error of our model\nas calculated on the training dataset,\nwhile "
           "*generalization error* is the expectation of our model's error\nwere we to apply it to an infinite stream "
           "of additional data examples\ndrawn from the same underlying data distribution as our original sample.",
           "The *training error* is the average error that the model makes on the examples it was fit to,\n"
           "while *generalization error* is the error we expect on unseen examples\n"
           "drawn from the same underlying data distribution as our original sample.")
GLOSSARY = {"training error": "训练误差", "generalization error": "泛化误差"}


def _excerpt(tmp_path, new: str):
    from bot.sync.replay import commit_files

    up, ed = tmp_path / "up", tmp_path / "ed"
    origin = (TRUST / "origin.md").read_text(encoding="utf-8")
    commit_files(up, {UO: origin}, "v0.17.0")
    commit_files(up, {UO: new}, "v0.17.5")
    commit_files(ed, {UO: (TRUST / "zh.md").read_text(encoding="utf-8"), UO[:-3] + "_origin.md": origin}, "zh")
    return up, ed


def _engines(aws_env, tmp_path):
    """engine name -> factory: tm (the edition's memory), aws (the Translate emulator, with the edition's terms
    imported as custom terminology) and an LLM (Bedrock Converse stand-in, with the terms as its glossary)."""
    from bot.translate.aws import AwsTranslateConfig, AwsTranslateEngine
    from bot.translate.llm import BedrockConfig, BedrockEngine, PromptConfig
    from bot.translate.resources import import_terminology

    terms = tmp_path / "TERMINOLOGY.md"
    terms.write_text("".join(f"{zh}，{en}\n" for en, zh in GLOSSARY.items()), encoding="utf-8")
    import_terminology(terms, "d2l-zh", "zh")
    return {
        "tm": lambda _r, base: make_engine("tm", memory_from_commit(base, "_origin", "en", "zh"), "zh"),
        "aws": lambda *_: AwsTranslateEngine(AwsTranslateConfig(source_lang="en", target_lang="zh",
                                                                terminology_names=("d2l-zh",))),
        "llm": lambda *_: BedrockEngine(BedrockConfig(), PromptConfig(glossary=GLOSSARY)),
    }


def _synced(tmp_path, new: str, factory):
    up, ed = _excerpt(tmp_path, new)
    result = run_sync(SyncOptions(str(up), str(ed), "zh"), factory)
    return result, build_report(result), result.jobs[0].outcome


def test_a_one_word_change_keeps_the_human_sentence_and_its_term_convention_under_every_engine(aws_env, tmp_path):
    new = (TRUST / "new.md").read_text(encoding="utf-8")
    for name, factory in _engines(aws_env, tmp_path).items():
        result, report, out = _synced(tmp_path / name, new, factory)
        assert HUMAN in out.edition_text, name
        assert out.edition_text == (TRUST / "zh.md").read_text(encoding="utf-8"), name
        assert out.origin_text == new, name
        assert report["chars_sent"] == 0 and report["chars_billed"] == 0, name
        near = [u for u in out.units if u.action == "near-match"]
        assert len(near) == 2 and all("near-match: human text kept" in u.flags for u in near), name
        assert all(any("{+examples+}" in n for n in u.notes) for u in near), name
    assert aws_env.translate.billed_chars == 0 and not aws_env.llm.received


def test_a_rewritten_sentence_is_translated_and_keeps_the_term_convention(aws_env, tmp_path):
    new = (TRUST / "new.md").read_text(encoding="utf-8").replace(*REWRITE)
    assert new != (TRUST / "new.md").read_text(encoding="utf-8")
    for name, factory in _engines(aws_env, tmp_path).items():
        if name == "tm":
            continue  # the memory has no translation of the new sentence: the English stays, flagged
        result, report, out = _synced(tmp_path / name, new, factory)
        (u,) = [u for u in out.units if u.action == "splice"]
        assert u.status == "ok" and report["chars_sent"] > 0, name
        assert "为了进一步讨论这一现象，我们需要了解训练误差和泛化误差。" in u.text, name  # the unchanged sentence
        assert "*训练误差*（training error）" in u.text and "*泛化误差*（generalization error）" in u.text, name
        assert "*训练误差*（training error）是指" not in u.text, name  # the human sentence itself was replaced
        assert any("term convention of the human text kept" in n for n in u.notes), name
    assert aws_env.translate.billed_chars > 0 and aws_env.llm.received


def test_a_paid_engine_is_sent_only_what_the_editions_memory_does_not_have(aws_env, tmp_path):
    """``engine_for`` (what ``amts sync`` and the App use): English the edition already translated, here a
    paragraph upstream repeats at the end of the section, comes from the translators' own text, not from MT."""
    from bot.translate.factory import engine_for

    repeated = "That is because the stream of infinite data is an imaginary object."  # a sentence of the section
    novel = "We will return to this distinction when we discuss model selection."
    new = (TRUST / "new.md").read_text(encoding="utf-8").rstrip("\n") + f"\n\n{novel}\n\n{repeated}\n"
    result, report, out = _synced(tmp_path, new, lambda _r, base: engine_for("aws", base, "_origin", "en", "zh"))
    inserted = [u for u in out.units if u.action == "insert"]
    assert len(inserted) == 2 and all(u.status == "ok" for u in inserted)
    assert inserted[0].engines == ["aws"] and inserted[1].engines == ["tm"] and "tm-exact" in inserted[1].flags
    assert inserted[1].text == "这是因为无限多的数据样本是一个虚构的对象。\n"
    assert len(novel) <= aws_env.translate.billed_chars == report["chars_billed"] < len(novel) + len(repeated)
    assert "translation memory" in result.engine_summary
