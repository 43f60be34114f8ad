"""The one training loop: progress bar, validation each epoch, best checkpoint, resume."""

import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from models import checkpoint as ckpt
from training.flags import option, parse


@dataclass
class LoopConfig:
    out: str = option("checkpoints/model.pt", "where the best checkpoint is written")
    epochs: int = option(8, "passes over the training data", minimum=1)
    lr: float = option(2e-3, "peak learning rate (Adam), decayed linearly to 10%", minimum=1e-8)
    weight_decay: float = option(0.0, "AdamW weight decay", minimum=0)
    clip: float = option(1.0, "gradient norm clipping (exploding gradients)", minimum=1e-8)
    seed: int = option(0, "random seed: the same seed and data reproduce a run")
    max_steps: int = option(
        0, "stop after this many optimizer steps (0: no limit); for smoke runs", minimum=0
    )
    resume: bool = option(
        False, "continue from <out>.resume.pt, written after every epoch (model flags come from it)"
    )
    threads: int = option(0, "torch CPU threads (0: torch's default)", minimum=0)
    device: str = option(
        "auto", "where to train (auto: cuda, then mps, then cpu)", choices=["auto", "cpu", "cuda", "mps"]
    )


def setup(
    description: str, argv: list[str] | None, config_class, resolve: Callable | None = None
) -> tuple[list[str], object]:
    """The start of every training script: its argv and parsed flags (`resolve` fills the defaults
    that depend on other flags), torch seeded and threaded. `--print-config` prints the resolved
    flags as one line of JSON, the same keys as a checkpoint's `train.args`, and exits."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse(description, argv, config_class)
    if resolve:
        resolve(args)
    if vars(args).pop("print_config"):
        print(json.dumps(vars(args)))
        raise SystemExit(0)
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    return argv, args


def resume_path(out: str) -> Path:
    return Path(out).with_suffix(".resume.pt")


def read_resume(out: str) -> dict:
    """The state written after the last finished epoch of the run that writes `out`."""
    path = resume_path(out)
    if not path.is_file():
        raise SystemExit(f"--resume: no {path} to continue from; start without --resume.")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        reason = type(error).__name__
        raise SystemExit(f"--resume: {path} cannot be read ({reason}); start without --resume.") from None


@dataclass
class Task:
    """What a task hands the loop."""

    model: nn.Module
    batches: Callable[[int], list]  # epoch -> batches, in order
    # (model, batch) -> (mean loss, tokens read); model is `model` or its DistributedDataParallel wrapper
    loss: Callable[[nn.Module, object], tuple[torch.Tensor, int]]
    validate: Callable[[], dict]  # -> metrics, with the "score" that picks the best epoch
    to_checkpoint: Callable[[], dict]  # -> task, config, vocab and state_dict


def distributed() -> tuple[int, int]:
    """(rank, world size). Under `torchrun --nproc_per_node=N` this process joins the group (gloo:
    the scripts train on the CPU); a plain run is rank 0 of 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("gloo")
    return (dist.get_rank() if world > 1 else 0), world


def fit(task: Task, config: LoopConfig, train_info: dict, resumed: dict | None = None) -> dict:
    """Train; after each epoch validate, keep the best checkpoint (its `train.history` holds every
    epoch's curves) and write the resume state. Returns the best metrics.

    Under torchrun each of N processes trains on every N-th batch and DistributedDataParallel
    averages their gradients; rank 0 alone validates, prints and writes files."""
    rank, world = distributed()
    model = DistributedDataParallel(task.model) if world > 1 else task.model
    optimizer = torch.optim.AdamW(task.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    state = {"epoch": 0, "step": 0, "best": -math.inf, "best_metrics": {}, "seconds": 0.0, "history": []}
    if resumed:
        task.model.load_state_dict(resumed["model"])
        optimizer.load_state_dict(resumed["optimizer"])
        state = {"history": [], **resumed["loop"]}
    total_steps = config.max_steps or config.epochs * (len(task.batches(0)) // world)
    for epoch in range(state["epoch"], config.epochs):
        started = time.time()
        try:
            batches = _shard(task.batches(epoch), rank, world)
            train_loss, grad_norm = _train_epoch(task, model, batches, optimizer, state, total_steps, config)
            task.model.eval()
            metrics = task.validate() if rank == 0 else {}
        except KeyboardInterrupt:
            raise SystemExit(
                f"Interrupted in epoch {epoch + 1}; {config.out} keeps the best checkpoint so far. "
                "Add --resume to continue from the last finished epoch."
            ) from None
        state["epoch"], state["seconds"] = epoch + 1, state["seconds"] + time.time() - started
        if rank == 0:
            _end_epoch(task, config, train_info, state, optimizer, metrics, train_loss, grad_norm)
        if world > 1:
            dist.barrier()  # the others wait while rank 0 validates and writes
        if state["step"] >= total_steps:
            break
    if world > 1:
        dist.destroy_process_group()
    return state["best_metrics"]


def _shard(batches: list, rank: int, world: int) -> list:
    """Every world-th batch from `rank` on, the same number for every process."""
    return batches[rank::world][: len(batches) // world] if world > 1 else batches


def _end_epoch(task, config, train_info, state, optimizer, metrics, train_loss, grad_norm) -> None:
    """Record the epoch, keep the best checkpoint, print one line and write the resume state."""
    epoch = state["epoch"]
    state["history"].append(
        {"epoch": epoch, "train_loss": train_loss, "grad_norm": grad_norm, "validation": metrics}
    )
    improved = metrics["score"] > state["best"]
    if improved:
        state["best"], state["best_metrics"] = metrics["score"], metrics
        _save_best(task, config.out, {**train_info, **_progress(state)}, metrics)
    else:
        _record_history(config.out, state["history"])
    saved = f", saved {config.out}" if improved else ""
    print(f"epoch {epoch}: train loss {train_loss:.4f}, validation {_brief(metrics)}{saved}", flush=True)
    resume = {"checkpoint": task.to_checkpoint(), "model": task.model.state_dict(), "loop": state}
    ckpt.atomic_save({**resume, "optimizer": optimizer.state_dict()}, resume_path(config.out))


def _progress(state: dict) -> dict:
    return {
        "epochs": state["epoch"],
        "steps": state["step"],
        "wall_time_s": round(state["seconds"]),
        "history": list(state["history"]),
    }


def _record_history(out: str, history: list[dict]) -> None:
    """Every epoch's curves into the best checkpoint, also after epochs that did not beat it."""
    checkpoint = ckpt.read(out)
    ckpt.save(out, {**checkpoint, "train": {**checkpoint["train"], "history": list(history)}})


def _save_best(task: Task, out: str, train_info: dict, metrics: dict) -> None:
    weights = ckpt.half(task.model.state_dict())
    ckpt.save(out, {**task.to_checkpoint(), "state_dict": weights, "train": train_info, "metrics": metrics})


def _train_epoch(
    task: Task, model: nn.Module, batches: list, optimizer, state: dict, total_steps: int, config: LoopConfig
) -> tuple[float, float]:
    """One pass over the batches; returns the mean training loss and gradient norm (before clipping)."""
    task.model.train()
    loss_sum, norm_sum, done, tokens, started = 0.0, 0.0, 0, 0, time.time()
    description = f"epoch {state['epoch'] + 1}/{config.epochs}"
    quiet = dist.is_initialized() and dist.get_rank() > 0
    progress = tqdm(batches, desc=description, leave=False, file=sys.stderr, disable=quiet)
    for batch in progress:
        if state["step"] >= total_steps:
            break
        for group in optimizer.param_groups:  # linear decay from lr to lr / 10
            group["lr"] = config.lr * (1 - 0.9 * state["step"] / total_steps)
        loss, batch_tokens = task.loss(model, batch)
        if not torch.isfinite(loss):
            raise SystemExit(
                f"The loss became {loss.item()} at step {state['step']}: training stopped. "
                f"The last good checkpoint is intact; try a lower --lr or --clip, then --resume."
            )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm_sum += nn.utils.clip_grad_norm_(task.model.parameters(), config.clip).item()
        optimizer.step()
        state["step"] += 1
        loss_sum, done, tokens = loss_sum + loss.item(), done + 1, tokens + batch_tokens
        rate = tokens / (time.time() - started)
        progress.set_postfix(loss=f"{loss_sum / done:.4f}", tok_s=f"{rate:,.0f}")
    return loss_sum / max(done, 1), norm_sum / max(done, 1)


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
