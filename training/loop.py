"""The one training loop: progress bar, validation each epoch, best checkpoint, resume."""

import contextlib
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
from models.atlas import weights_hash
from models.settings import option
from training.device import CPU, Precision, autocast, choose_precision, move, resolve_device
from training.flags import parse
from training.record import Recorder, due


@dataclass
class LoopConfig:
    out: str = option("checkpoints/model.pt", "where the best checkpoint is written")
    epochs: int = option(8, "passes over the training data", minimum=1)
    lr: float = option(2e-3, "peak learning rate (AdamW), decayed linearly to 10%", minimum=1e-8)
    weight_decay: float = option(0.0, "AdamW weight decay", minimum=0)
    clip: float = option(1.0, "gradient norm clipping (exploding gradients)", minimum=1e-8)
    seed: int = option(0, "random seed: the same seed and data reproduce a run")
    max_steps: int = option(
        0, "stop after this many optimizer steps (0: no limit); for smoke runs", minimum=0
    )
    resume: bool = option(
        False, "continue from <out>.resume.pt, written after every epoch (model flags come from it)"
    )
    init: str = option(
        "", "start from this checkpoint's weights, vocabulary and model settings (fine-tuning; --scst)"
    )
    average: int = option(
        1,
        "validate and keep the mean of the last N epochs' weights (checkpoint averaging); "
        "training goes on from the weights as they are",
        minimum=1,
    )
    record: bool = option(
        True,
        "keep the training record beside the checkpoint (<out>.record.npz): the probes and, where the "
        "task has them, held-out unit AUCs and dataset cartography at points of training",
    )
    threads: int = option(0, "torch CPU threads (0: torch's default)", minimum=0)
    device: str = option(
        "auto", "where to train (auto: cuda, then mps, then cpu)", choices=["auto", "cpu", "cuda", "mps"]
    )


def setup(
    description: str, argv: list[str] | None, *config_classes, resolve: Callable | None = None
) -> tuple[list[str], object]:
    """The start of every training script: its argv and parsed flags, one per field of
    `config_classes` (the script's settings, then its model's), `resolve` filling the defaults that
    depend on other flags; torch seeded and threaded. `--print-config` prints the resolved flags as
    one line of JSON, the same keys as a checkpoint's `train.args`, and exits."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse(description, argv, *config_classes)
    if resolve:
        resolve(args)
    if vars(args).pop("print_config"):
        print(json.dumps(vars(args)))
        raise SystemExit(0)
    resolve_device(args.device)  # an absent device stops the run here, before any data is read
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
        resume = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        reason = type(error).__name__
        raise SystemExit(f"--resume: {path} cannot be read ({reason}); start without --resume.") from None
    return {**resume, "checkpoint": ckpt.migrate(resume["checkpoint"])}


def starting_points(args, task: str) -> tuple[dict | None, dict | None, dict | None]:
    """What a run starts from: the resume state (--resume), the --init checkpoint, and the checkpoint
    whose weights and vocabulary it builds its model from (the resumed one, else the --init one)."""
    resumed = read_resume(args.out) if args.resume else None
    initial = read_init(args.init, task)
    return resumed, initial, resumed["checkpoint"] if resumed else initial


def read_init(path: str, task: str) -> dict | None:
    """The checkpoint `--init` names (None without one), read and checked before any training."""
    if not path:
        return None
    try:
        return ckpt.read(path, task)
    except ckpt.CheckpointError as error:
        raise SystemExit(f"--init: {error}") from None


@dataclass
class Task:
    """What a task hands the loop."""

    model: nn.Module
    batches: Callable[[int], list]  # epoch -> batches, in order
    collate: Callable[[object], tuple[object, int]]  # batch -> (its tensors, on the CPU; tokens it holds)
    # (model, the tensors on the training device) -> mean loss; model is `model` or its
    # DistributedDataParallel wrapper
    loss: Callable[[nn.Module, object], torch.Tensor]
    validate: Callable[[], dict]  # -> metrics, with the "score" that picks the best epoch
    to_checkpoint: Callable[[], dict]  # -> task, config, vocab and state_dict
    recorder: Recorder | None = None  # the training record, for tasks that keep one


def is_writer() -> bool:
    """Whether this process writes files: a plain run, or rank 0 under torchrun."""
    return int(os.environ.get("RANK", "0")) == 0


def distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size). Under `torchrun --nproc_per_node=N` this process joins the group: nccl
    between GPUs (each process on its own), gloo between CPUs; a plain run is rank 0 of 1."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)  # nccl's collectives run on the current GPU
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return (dist.get_rank() if world > 1 else 0), world


@dataclass
class _Run:
    """What every step uses besides the batch."""

    model: nn.Module  # the task's model, or its DistributedDataParallel wrapper
    optimizer: torch.optim.Optimizer
    device: torch.device
    precision: Precision
    scaler: torch.amp.GradScaler  # scales float16 losses; passes everything through otherwise


def fit(task: Task, config: LoopConfig, train_info: dict, resumed: dict | None = None) -> dict:
    """Train; after each epoch validate, keep the best checkpoint (its `train.history` holds every
    epoch's curves) and write the resume state. Returns the best metrics.

    Under torchrun each of N processes trains on every N-th batch and DistributedDataParallel
    averages their gradients; rank 0 alone validates, prints and writes files (CPU tensors only,
    whichever device trained)."""
    device = resolve_device(config.device)
    rank, world = distributed(device)
    run = _prepare(task, config, device, world)
    state = {"epoch": 0, "step": 0, "best": -math.inf, "best_metrics": {}, "seconds": 0.0, "history": []}
    snapshots = []  # the last `config.average` epochs' weights, on the CPU
    if resumed:  # CPU tensors: both copy themselves onto the parameters' device
        task.model.load_state_dict(resumed["model"])
        run.optimizer.load_state_dict(resumed["optimizer"])
        state = {"history": [], **resumed["loop"]}
        snapshots = resumed.get("snapshots", [])
        if task.recorder and "record" in resumed:
            task.recorder.restore(resumed["record"])
    elif task.recorder and rank == 0:
        _take(task, 0)
    total_steps = config.max_steps or config.epochs * (len(task.batches(0)) // world)
    for epoch in range(state["epoch"], config.epochs):
        started = time.time()
        try:
            batches = _shard(task.batches(epoch), rank, world)
            train_loss, grad_norm = _train_epoch(task, run, batches, state, total_steps, config)
            task.model.eval()
            snapshots = [*snapshots, _weights(task.model)][-config.average :]
            with _averaged(task.model, snapshots):
                metrics = task.validate() if rank == 0 else {}
                weights = _end_record(task, state["step"]) if rank == 0 else None
        except KeyboardInterrupt:
            raise SystemExit(
                f"Interrupted in epoch {epoch + 1}; {config.out} keeps the best checkpoint so far. "
                "Add --resume to continue from the last finished epoch."
            ) from None
        state["epoch"], state["seconds"] = epoch + 1, state["seconds"] + time.time() - started
        if rank == 0:
            with _averaged(task.model, snapshots):
                _end_epoch(task, config, train_info, state, metrics, train_loss, grad_norm, weights)
            _write_resume(task, config.out, run.optimizer, state, snapshots)
        if world > 1:
            dist.barrier()  # the others wait while rank 0 validates and writes
        if state["step"] >= total_steps:
            break
    if world > 1:
        dist.destroy_process_group()
    return state["best_metrics"]


def _prepare(task: Task, config: LoopConfig, device: torch.device, world: int) -> _Run:
    """The task's model on `device` (wrapped for DistributedDataParallel when world > 1), AdamW, and
    the device's mixed precision."""
    move(task.model, device)
    optimizer = torch.optim.AdamW(task.model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    precision = choose_precision(device.type, device.type == "cuda" and torch.cuda.is_bf16_supported())
    model = DistributedDataParallel(task.model) if world > 1 else task.model
    return _Run(model, optimizer, device, precision, torch.amp.GradScaler(enabled=precision.scaled))


def _shard(batches: list, rank: int, world: int) -> list:
    """Every world-th batch from `rank` on, the same number for every process."""
    return batches[rank::world][: len(batches) // world] if world > 1 else batches


def _weights(model: nn.Module) -> dict:
    """A copy of the model's state on the CPU."""
    return {name: value.detach().to(CPU, copy=True) for name, value in model.state_dict().items()}


@contextlib.contextmanager
def _averaged(model: nn.Module, snapshots: list[dict]):
    """The model holds the mean of `snapshots` (the floating-point tensors; others as in the last)
    inside the block, its own weights again after it."""
    if len(snapshots) < 2:
        yield
        return
    own = _weights(model)
    mean = {
        name: torch.stack([s[name] for s in snapshots]).mean(0) if value.is_floating_point() else value
        for name, value in snapshots[-1].items()
    }
    model.load_state_dict(mean)
    try:
        yield
    finally:
        model.load_state_dict(own)


@contextlib.contextmanager
def _as_stored(model: nn.Module):
    """The model holds its weights rounded as a checkpoint stores them (ckpt.half) inside the block."""
    own = _weights(model)
    model.load_state_dict(ckpt.half(own))
    try:
        yield
    finally:
        model.load_state_dict(own)


def _take(task: Task, step: int) -> None:
    """A point of the training record, read with the model in evaluation mode."""
    mode = task.model.training
    task.model.eval()
    task.recorder.take(step)
    task.model.train(mode)


def _end_record(task: Task, step: int) -> str | None:
    """The epoch's end in the training record, read from the weights as a checkpoint would keep them;
    returns their hash (models.atlas.weights_hash), which ties the record to the checkpoint."""
    if not task.recorder:
        return None
    with _as_stored(task.model):
        task.recorder.end_epoch(step)
        return weights_hash(task.model)


def _end_epoch(task, config, train_info, state, metrics, train_loss, grad_norm, weights) -> None:
    """Record the epoch, keep the best checkpoint (and the training record up to it) and print one
    line."""
    epoch = state["epoch"]
    state["history"].append(
        {"epoch": epoch, "train_loss": train_loss, "grad_norm": grad_norm, "validation": metrics}
    )
    improved = metrics["score"] > state["best"]
    if improved:
        state["best"], state["best_metrics"] = metrics["score"], metrics
        _save_best(task, config.out, {**train_info, **_progress(state)}, metrics)
        if task.recorder:
            task.recorder.write(config.out, weights)
    else:
        _record_history(config.out, state["history"])
    saved = f", saved {config.out}" if improved else ""
    beam = f" at beam {metrics['beam_size']}" if "beam_size" in metrics else ""
    print(
        f"epoch {epoch}: train loss {train_loss:.4f}, validation{beam} {_brief(metrics)}{saved}", flush=True
    )


def _write_resume(task: Task, out: str, optimizer, state: dict, snapshots: list[dict]) -> None:
    resume = {
        "checkpoint": task.to_checkpoint(),
        "model": task.model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "loop": state,
        "snapshots": snapshots,
        **({"record": task.recorder.state()} if task.recorder else {}),
    }
    ckpt.atomic_save(move(resume, CPU), resume_path(out))  # resumes on any machine


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
    weights = move(ckpt.half(task.model.state_dict()), CPU)
    ckpt.save(out, {**task.to_checkpoint(), "state_dict": weights, "train": train_info, "metrics": metrics})


def _train_epoch(
    task: Task, run: _Run, batches: list, state: dict, total_steps: int, config: LoopConfig
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
        for group in run.optimizer.param_groups:  # linear decay from lr to lr / 10
            group["lr"] = config.lr * (1 - 0.9 * state["step"] / total_steps)
        tensors, batch_tokens = task.collate(batch)
        with autocast(run.device, run.precision):
            loss = task.loss(run.model, move(tensors, run.device))
        if not torch.isfinite(loss):
            raise SystemExit(
                f"The loss became {loss.item()} at step {state['step']}: training stopped. "
                f"The last good checkpoint is intact; try a lower --lr or --clip, then --resume."
            )
        norm_sum += _update(run, task.model, loss, config.clip)
        state["step"] += 1
        if task.recorder and not quiet and due(state["step"]):
            _take(task, state["step"])
        loss_sum, done, tokens = loss_sum + loss.item(), done + 1, tokens + batch_tokens
        rate = tokens / (time.time() - started)
        progress.set_postfix(loss=f"{loss_sum / done:.4f}", tok_s=f"{rate:,.0f}")
    return loss_sum / max(done, 1), norm_sum / max(done, 1)


def _update(run: _Run, model: nn.Module, loss: torch.Tensor, clip: float) -> float:
    """Backpropagate, clip, step; returns the gradient norm before clipping."""
    run.optimizer.zero_grad(set_to_none=True)
    run.scaler.scale(loss).backward()
    run.scaler.unscale_(run.optimizer)  # clip the true gradients, not the scaled ones
    norm = nn.utils.clip_grad_norm_(model.parameters(), clip).item()
    run.scaler.step(run.optimizer)  # skipped when float16 gradients overflowed
    run.scaler.update()
    return norm


def _brief(metrics: dict) -> str:
    return ", ".join(
        f"{name} {value:.4f}" if isinstance(value, float) else f"{name} {_brief(value)}"
        for name, value in metrics.items()
        if isinstance(value, (float, dict))
    )


def describe_run(module: str, argv: list[str], args, initial: dict | None = None) -> dict:
    """What a model card needs to reproduce a run (and, for --init, the run it started from)."""
    run = {
        "command": " ".join(["python -m", module, *argv]),
        "by_make": "MAKELEVEL" in os.environ,  # make exports it to what its targets run
        "args": dict(vars(args)),
        "versions": {"python": platform.python_version(), "torch": str(torch.__version__)},
    }
    if initial:
        train = initial["train"]
        run["init"] = {"path": args.init, "command": train["command"], "metrics": initial["metrics"]}
        if "init" in train:  # the run before that, and so on back to the first
            run["init"]["init"] = train["init"]
    return run
