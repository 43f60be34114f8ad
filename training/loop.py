"""The one training loop: progress bar, validation each epoch, best checkpoint, resume."""

import math
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from tqdm import tqdm

from models import checkpoint as ckpt
from training.flags import option


@dataclass
class LoopConfig:
    out: str = option("checkpoints/model.pt", "where the best checkpoint is written")
    epochs: int = option(8, "passes over the training data")
    lr: float = option(2e-3, "peak learning rate (Adam), decayed linearly to 10%")
    weight_decay: float = option(0.0, "AdamW weight decay")
    clip: float = option(1.0, "gradient norm clipping (exploding gradients)")
    seed: int = option(0, "random seed: the same seed and data reproduce a run")
    max_steps: int = option(0, "stop after this many optimizer steps (0: no limit); for smoke runs")
    resume: bool = option(False, "continue from <out>.resume.pt, written after every epoch")
    threads: int = option(0, "torch CPU threads (0: torch's default)")


def resume_path(out: str) -> Path:
    return Path(out).with_suffix(".resume.pt")


def read_resume(out: str) -> dict:
    """The state written after the last finished epoch of the run that writes `out`."""
    path = resume_path(out)
    if not path.is_file():
        raise SystemExit(f"--resume: no {path} to continue from; start without --resume.")
    return torch.load(path, map_location="cpu", weights_only=True)


def fit(
    model: nn.Module,
    batches: Callable[[int], list],
    loss_fn: Callable[[object], tuple[torch.Tensor, int]],
    validate: Callable[[], dict],
    to_checkpoint: Callable[[], dict],
    config: LoopConfig,
    train_info: dict,
    resumed: dict | None = None,
) -> dict:
    """Train `model`; after each epoch validate and keep the checkpoint with the best
    metrics["score"]. `loss_fn(batch)` returns (mean loss, tokens read). Returns the best metrics."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    state = {"epoch": 0, "step": 0, "best": -math.inf, "best_metrics": {}, "seconds": 0.0}
    if resumed:
        model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        state = resumed["loop"]
    steps_per_epoch = len(batches(0))
    total_steps = config.max_steps or config.epochs * steps_per_epoch
    for epoch in range(state["epoch"], config.epochs):
        started = time.time()
        model.train()
        try:
            train_loss = _train_epoch(
                model, batches(epoch), loss_fn, optimizer, state, total_steps, config, epoch
            )
        except KeyboardInterrupt:
            raise SystemExit(
                f"Interrupted in epoch {epoch + 1}; {config.out} keeps the best checkpoint so far. "
                "Add --resume to continue from the last finished epoch."
            ) from None
        model.eval()
        metrics = validate()
        state["epoch"], state["seconds"] = epoch + 1, state["seconds"] + time.time() - started
        improved = metrics["score"] > state["best"]
        if improved:
            state["best"], state["best_metrics"] = metrics["score"], metrics
            info = {
                **train_info,
                "epochs": epoch + 1,
                "steps": state["step"],
                "wall_time_s": round(state["seconds"]),
            }
            ckpt.save(
                config.out,
                {
                    **to_checkpoint(),
                    "state_dict": ckpt.half(model.state_dict()),
                    "train": info,
                    "metrics": metrics,
                },
            )
        print(
            f"epoch {epoch + 1}: train loss {train_loss:.4f}, "
            f"validation {_brief(metrics)}{', saved ' + config.out if improved else ''}",
            flush=True,
        )
        resume = {"checkpoint": to_checkpoint(), "model": model.state_dict(), "loop": state}
        ckpt.atomic_save({**resume, "optimizer": optimizer.state_dict()}, resume_path(config.out))
        if state["step"] >= total_steps:
            break
    return state["best_metrics"]


def _train_epoch(model, epoch_batches, loss_fn, optimizer, state, total_steps, config, epoch):
    loss_sum, batches, tokens, started = 0.0, 0, 0, time.time()
    progress = tqdm(epoch_batches, desc=f"epoch {epoch + 1}/{config.epochs}", leave=False, file=sys.stderr)
    for batch in progress:
        if state["step"] >= total_steps:
            break
        for group in optimizer.param_groups:  # linear decay from lr to lr / 10
            group["lr"] = config.lr * (1 - 0.9 * state["step"] / total_steps)
        loss, batch_tokens = loss_fn(batch)
        if not torch.isfinite(loss):
            raise SystemExit(
                f"The loss became {loss.item()} at step {state['step']}: training stopped. "
                f"The last good checkpoint is intact; try a lower --lr or --clip, then --resume."
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        state["step"] += 1
        loss_sum, batches, tokens = loss_sum + loss.item(), batches + 1, tokens + batch_tokens
        rate = tokens / (time.time() - started)
        progress.set_postfix(loss=f"{loss_sum / batches:.4f}", tok_s=f"{rate:,.0f}")
    return loss_sum / max(batches, 1)


def _brief(metrics: dict) -> str:
    return ", ".join(
        f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {_brief(value)}"
        for name, value in metrics.items()
        if isinstance(value, (float, dict))
    )


def describe_run(module: str, argv: list[str], args) -> dict:
    """What a model card needs to reproduce a run."""
    return {
        "command": " ".join(["python -m", module, *argv]),
        "args": dict(vars(args)),
        "versions": {"python": platform.python_version(), "torch": str(torch.__version__)},
    }
