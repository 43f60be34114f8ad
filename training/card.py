"""Write the measured part of a model card from its checkpoint: python -m training.card CHECKPOINT ...

A card is `<checkpoint>.md`: the part between the markers below is generated from the checkpoint
(architecture, parameters, data, the make target and command, seed, versions, epochs, metrics,
size) and rewritten by this script; the prose after it (what worked, what did not, limits) is
written by hand and kept. `--check` fails when a card's generated part differs from its checkpoint.
"""

import argparse
import sys
from pathlib import Path

import models
from models import checkpoint as ckpt
from models import registry
from models.atlas import STRONG_AUC, atlas_path
from models.cells import CELL_NAMES
from models.files import write_atomically
from models.record import FORMED_AUC, record_path

BEGIN = "<!-- generated from the checkpoint by `python -m training.card`: edit the prose below, not this -->"
END = "<!-- end of the generated part -->"
COUNTS = ("examples", "sentences", "images")  # how many validation items a metric was measured on


def card_path(checkpoint: Path) -> Path:
    return checkpoint.with_suffix(".md")


def generated(checkpoint: Path) -> str:
    """The card's measured part, from the checkpoint alone."""
    saved = ckpt.read(checkpoint)
    train = saved["train"]
    sections = [
        BEGIN,
        f"# Model card: `{checkpoint.name}` ({saved['task']}, {registry.STRUCTURES.get(saved['task'], '')})",
        _facts_table(checkpoint, saved),
        "## Data\n\n" + _data(saved["task"], train["args"], saved["metrics"]),
        "## Training\n\n" + _training(checkpoint, saved["task"], train),
        "## Validation metrics (recorded when the checkpoint was saved)\n\n"
        + _metrics_table(saved["metrics"]),
        *_atlas_section(checkpoint, saved["task"]),
        *_learning_section(checkpoint),
        END,
    ]
    return "\n\n".join(sections) + "\n"


def _atlas_section(checkpoint: Path, task: str) -> list[str]:
    """The units that best tell positive from negative texts, from the atlas beside the checkpoint."""
    path = atlas_path(checkpoint)
    if task != "sentiment" or not path.exists():
        return []
    try:
        atlas = models.load(checkpoint).atlas
    except models.AtlasError as error:
        return ["## Units that carry the verdict (atlas)", str(error)]
    meta = atlas.meta
    lines = [
        f"`{path.name}` ({path.stat().st_size / 1e6:.1f} MB), built by `{meta['command']}` in "
        f"{meta['seconds']:.0f} s over {len(atlas.texts):,} texts ({meta['tokens']:,} tokens, none "
        f"trained on) from {', '.join(meta['sources'])}. A unit's AUC says how well its mean value over "
        "a text tells positive from negative texts (ROC AUC)."
    ]
    for state in atlas.states:
        units = atlas.units(state)
        strong = sum(unit.auc > STRONG_AUC for unit in units)
        rows = "\n".join(
            f"| {u.index} | {u.auc:.4f} | {'positive' if u.sign > 0 else 'negative'} |" for u in units[:5]
        )
        lines.append(
            f"`{state}`: {strong} of {len(units)} units above AUC {STRONG_AUC}; the best five:\n\n"
            f"| unit | AUC | higher on |\n| --- | --- | --- |\n{rows}"
        )
    return ["## Units that carry the verdict (atlas)", *lines]


def _learning_section(checkpoint: Path) -> list[str]:
    """How it learned, from the training record beside the checkpoint: when its best units formed,
    and the training examples it never learned."""
    record = models.load(checkpoint).dynamics
    if record is None or record.task != "sentiment":
        return []
    best = record.ranking()[:5]
    formed = record.formed(FORMED_AUC)
    rows = "\n".join(
        f"| {u} | {record.unit_auc[0, u]:.3f} | {record.unit_auc[-1, u]:.3f} | "
        f"{'never' if formed[u] < 0 else f'{formed[u]:,}'} |"
        for u in best
    )
    lines = [
        "## How it learned (training record)",
        f"`{record_path(checkpoint).name}` holds {len(record.steps)} points of training (steps "
        f"{', '.join(f'{s:,}' for s in record.steps)}): the page's {len(record.texts)} example reviews read "
        f"at each, and every unit's AUC over {record.meta['held_out']:,} held-out texts. The best five units "
        f"of the kept weights, and the step at which each first reached AUC {FORMED_AUC}:",
        f"| unit | AUC at step 0 | AUC kept | first reached {FORMED_AUC} at step |\n"
        f"| --- | --- | --- | --- |\n{rows}",
    ]
    cartography = record.cartography
    if cartography is not None:
        regions = cartography.regions()
        counts = ", ".join(f"{(regions == r).sum():,} {r}" for r in ("easy", "ambiguous", "hard"))
        hardest = "\n".join(
            f"| {_quoted(cartography.text[i])} | {'positive' if cartography.label[i] else 'negative'} | "
            f"{cartography.confidence[i]:.3f} |"
            for i in cartography.hardest(3)
        )
        lines.append(
            f"Dataset cartography over {len(cartography.text):,} training examples and "
            f"{len(cartography.probabilities)} epochs: {counts}. The three it was least sure of:\n\n"
            f"| text | label | confidence |\n| --- | --- | --- |\n{hardest}"
        )
    return lines


def _quoted(text: str, limit: int = 160) -> str:
    """A training text as one table cell: one line, no pipes, cut to `limit` characters."""
    text = " ".join(text.replace("<br />", " ").replace("|", "/").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _facts_table(checkpoint: Path, saved: dict) -> str:
    weights = [w for w in saved["state_dict"].values() if hasattr(w, "numel")]
    dtypes = sorted({str(w.dtype).removeprefix("torch.") for w in weights if w.is_floating_point()})
    rows = [
        ("architecture", ARCHITECTURES[saved["task"]](saved["config"])),
        ("vocabulary", _vocabulary(saved["config"]["vocab_size"], saved["train"]["args"].get("vocab_size"))),
        ("parameters", f"{sum(w.numel() for w in weights):,} (stored as {', '.join(dtypes)})"),
        ("file size", f"{checkpoint.stat().st_size / 1e6:.1f} MB"),
        ("seed", str(saved["train"]["args"].get("seed", "not recorded"))),
        ("versions", ", ".join(f"{k} {v}" for k, v in saved["train"].get("versions", {}).items())),
    ]
    if "encoder" in saved["train"]:
        rows.append(("image encoder", saved["train"]["encoder"]))
    return "| | |\n| --- | --- |\n" + "\n".join(f"| {name} | {value} |" for name, value in rows)


def _vocabulary(built: int, asked: int | None) -> str:
    cut = (
        f" (`vocab_size` asked for {asked:,}: the training text supports no more)"
        if asked and asked > built
        else ""
    )
    return f"{built:,} entries{cut}"


def _sentiment(config: dict) -> str:
    direction = "bidirectional" if config["bidirectional"] else "unidirectional"
    pools = "max, mean, last" if config.get("pool_last") else "max, mean"
    return (
        f"embedding {config['embedding_dim']} -> {config['num_layers']}-layer {direction} "
        f"{CELL_NAMES[config['cell']]}, {config['hidden_dim']} units -> [{pools}] of the states over time "
        f"-> linear -> sigmoid; reads at most {config['max_tokens']} tokens"
    )


def _translation(config: dict) -> str:
    direction = "bidirectional " if config["bidirectional"] else ""
    return (
        f"{config['src']} -> {config['tgt']}: shared piece embedding "
        f"{config['embedding_dim']} -> {config['num_layers']}-layer {direction}{CELL_NAMES[config['cell']]} "
        f"encoder, {config['hidden_dim']} units a direction -> {CELL_NAMES[config['cell']]} decoder, "
        f"{config['decoder_dim']} units, with attention -> output tied to the embedding"
    )


def _captioning(config: dict) -> str:
    return (
        f"{config['encoder']} (frozen, not in this file): 7x7 regions x {config['feature_dim']:,} "
        f"features -> soft attention ({config['attention_dim']}) -> {CELL_NAMES[config['cell']]} decoder, "
        f"{config['decoder_dim']} units, word embedding {config['embedding_dim']}; "
        f"at most {config['max_length']} words"
    )


ARCHITECTURES = {"sentiment": _sentiment, "translation": _translation, "captioning": _captioning}


def _data(task: str, args: dict, metrics: dict) -> str:
    sources = args["data"] if isinstance(args["data"], list) else [args["data"]]
    repeats = args.get("oversample", [])
    trained = ", ".join(
        f"`{source}`" + (f" (x{repeats[i]} an epoch)" if i < len(repeats) and repeats[i] != 1 else "")
        for i, source in enumerate(sources)
    )
    if task == "translation":
        trained += f", {args['src']} -> {args['tgt']}"
    counts = [f"{name} {count:,} {kind}" for name, kind, count in _validation_counts(metrics)]
    limit = f" (only the first {args['limit']:,} of each split: `--limit`)" if args.get("limit") else ""
    return f"- trained on: {trained}{limit}\n- validated on: {', '.join(counts)} (validation splits)"


def _validation_counts(metrics: dict) -> list[tuple[str, str, int]]:
    found = [
        (name, kind, value[kind])
        for name, value in metrics.items()
        if isinstance(value, dict)
        for kind in COUNTS
        if kind in value
    ]
    return found or [("all", kind, metrics[kind]) for kind in COUNTS if kind in metrics]


def _training(checkpoint: Path, task: str, train: dict) -> str:
    args = train["args"]
    # a shipped model's name and place, written by its make target (files from before the record
    # of that: by name and place alone)
    by_make = train.get("by_make", True)
    shipped = by_make and checkpoint.stem in registry.BY_NAME and checkpoint.parent.name == "checkpoints"
    rebuilds = f"`{registry.train_command(checkpoint)}` rebuilds" if shipped else "The command below rebuilt"
    lines = [
        f"{rebuilds} this file with the settings below. The run that wrote it:",
        f"```sh\n{train.get('command', '(not recorded)')}\n```",
        "| setting | value |\n| --- | --- |\n"
        + "\n".join(f"| `{k}` | `{_value(v)}` |" for k, v in args.items()),
        f"{_kept(train)}, after {train['steps']:,} steps and {train['wall_time_s']:,} s of training.",
    ]
    if train.get("init"):
        lines.insert(2, _init(train["init"]))
    if train.get("pretraining"):
        lines.append(_pretraining(train["pretraining"]))
    if train.get("history"):
        lines.append(_history_table(train["history"], best=train["epochs"]))
        lines += _scored(train["history"][-1]["validation"], args)
    if train.get("history_source"):
        lines.append(f"History: {train['history_source']}.")
    return "\n\n".join(lines)


def _kept(train: dict) -> str:
    """Which epochs' weights the file holds (ckpt.kept_epochs), the best by the validation score."""
    kept, args = ckpt.kept_epochs(train), train["args"]
    if len(kept) == 1:
        return f"Best epoch {kept[0]} of {args['epochs']} by the validation score"
    return (
        f"Keeps the mean of epochs {kept[0]}-{kept[-1]} of {args['epochs']} (`average` {args['average']}), "
        "the best by the validation score"
    )


def _scored(validation: dict, args: dict) -> list[str]:
    """What the validation columns above measured, where a table cannot say it: the mean of epochs
    (`average`), the beam."""
    average, beam = args.get("average", 1), _beam(validation)
    decoded = f", decoded at beam {beam}." if beam else "."
    if average > 1:
        before = f"up to {average - 1} epoch{'s' if average > 2 else ''} before it"
        return [f"Each epoch's validation scores the mean of its weights and those of {before}{decoded}"]
    return [f"Each epoch's validation decodes at beam {beam}."] if beam else []


def _beam(metrics: dict) -> int | None:
    """The beam width the metrics were decoded at (recorded with them or their sources' figures)."""
    beams = {m["beam_size"] for m in [metrics, *metrics.values()] if isinstance(m, dict) and "beam_size" in m}
    return beams.pop() if len(beams) == 1 else None


def _init(init: dict, opening: str = "It started from") -> str:
    """The run this one started from, and the one before that, back to the first."""
    figures = ", ".join(f"{name} {_figure(value)}" for name, value in _numbers(init["metrics"]).items())
    text = f"{opening} `{init['path']}` (validation: {figures}), written by:\n\n```sh\n{init['command']}\n```"
    return text + ("\n\n" + _init(init["init"], "That run started from") if "init" in init else "")


def _pretraining(progress: dict) -> str:
    rows = "\n".join(
        f"| {entry['epoch']} | {_loss(entry['train_loss'])} | {entry['validation']['perplexity']:.2f} |"
        for entry in progress["history"]
    )
    return (
        f"Language-model pretraining first (`pretrain_epochs`): {progress['epochs']} passes over the "
        f"training texts, {progress['steps']:,} steps and {progress['wall_time_s']:,} s; its embedding "
        "and encoder start the classifier. Perplexity of the next token on the validation texts:\n\n"
        f"| pass | train loss | validation perplexity |\n| --- | --- | --- |\n{rows}"
    )


def _value(value) -> str:
    return " ".join(map(str, value)) if isinstance(value, list) else str(value)


def _numbers(metrics: dict) -> dict[str, float]:
    """The metrics' figures by name, nested sources flattened ("imdb accuracy"), counts left out."""
    flat = {}
    for name, value in metrics.items():
        if isinstance(value, dict):
            flat |= {f"{name} {k}": v for k, v in _numbers(value).items()}
        elif isinstance(value, (int, float)) and name not in COUNTS and name != "beam_size":
            flat["score (picks the epoch)" if name == "score" else name] = value
    return flat


def _figure(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int):  # a count, such as distinct captions
        return f"{value:,}"
    return f"{value:.4f}" if abs(value) <= 1 else f"{value:.2f}"


def _loss(value) -> str:
    return "" if value is None else f"{value:.3f}"


def _history_table(history: list[dict], best: int) -> str:
    names = list(_numbers(history[0]["validation"]))
    header = ["epoch", "train loss", "gradient norm", *names]
    rows = []
    for entry in history:
        figures = _numbers(entry["validation"])
        cells = [str(entry["epoch"]), _loss(entry["train_loss"]), _loss(entry.get("grad_norm"))]
        cells += [_figure(figures.get(name)) for name in names]
        if entry["epoch"] == best:
            cells = [f"**{cell}**" if cell else cell for cell in cells]
        rows.append(cells)
    return "\n".join("| " + " | ".join(row) + " |" for row in [header, ["---"] * len(header), *rows])


def _metrics_table(metrics: dict) -> str:
    rows = [f"| {name} | {_figure(value)} |" for name, value in _numbers(metrics).items()]
    counts = ", ".join(f"{name} {count:,} {kind}" for name, kind, count in _validation_counts(metrics))
    beam = f", beam {_beam(metrics)}" if _beam(metrics) else ""
    return "| metric | value |\n| --- | --- |\n" + "\n".join(rows) + f"\n\nOn {counts}{beam}."


def split(card: str) -> tuple[str | None, str]:
    """(generated part or None, hand-written prose) of a card's text."""
    if BEGIN not in card or END not in card:
        return None, card
    head, rest = card.split(BEGIN, 1)
    body, prose = rest.split(END, 1)
    return BEGIN + body + END + "\n", head + prose.lstrip("\n")


def write(checkpoint: Path) -> Path:
    """Rewrite the generated part of the checkpoint's card, keeping its prose."""
    path = card_path(checkpoint)
    prose = (
        split(path.read_text())[1] if path.exists() else "## Notes\n\nWhat worked, what did not, limits.\n"
    )
    write_atomically(path, lambda tmp: tmp.write_text(generated(checkpoint) + "\n" + prose))
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("checkpoints", nargs="+", type=Path, help="checkpoint files (.pt)")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a card is stale")
    args = parser.parse_args(argv)
    stale = []
    for checkpoint in args.checkpoints:
        try:
            if args.check:
                current = (
                    split(card_path(checkpoint).read_text())[0] if card_path(checkpoint).exists() else None
                )
                stale += [] if current == generated(checkpoint) else [str(card_path(checkpoint))]
            else:
                print(f"wrote {write(checkpoint)}")
        except ckpt.CheckpointError as error:
            raise SystemExit(str(error)) from None
    if stale:
        raise SystemExit(
            f"stale model cards (run python -m training.card on their checkpoints): {', '.join(stale)}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
