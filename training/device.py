"""Where training runs: the device `--device` names, moving tensors there, and its mixed precision."""

import contextlib
import os
from dataclasses import dataclass

import torch
from torch import nn

CPU = torch.device("cpu")


def resolve_device(name: str) -> torch.device:
    """The device `--device name` means on this machine (auto: cuda, then mps, then cpu); under
    torchrun each process takes the GPU of its LOCAL_RANK. An absent device stops with one line."""
    present = {"cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available(), "cpu": True}
    if name == "auto":
        name = next(kind for kind, here in present.items() if here)
    if not present[name]:
        raise SystemExit(f"--device {name}: this machine has no {name} device; use --device auto or cpu.")
    return torch.device(name, int(os.environ.get("LOCAL_RANK", "0")) if name == "cuda" else None)


def move(value, device: torch.device):
    """`value` with every module and tensor in it (also nested in tuples, lists and dicts) on `device`.

    A CPU tensor bound for a GPU is copied from pinned memory without blocking, so the copy overlaps
    the work already queued; other moves block (a GPU -> CPU copy must finish before it is read)."""
    if isinstance(value, nn.Module):
        return value.to(device)
    if isinstance(value, torch.Tensor):
        if device.type == "cuda" and value.device.type == "cpu":
            return value.pin_memory().to(device, non_blocking=True)
        return value.to(device)
    if isinstance(value, dict):
        return {key: move(item, device) for key, item in value.items()}
    if isinstance(value, (tuple, list)):
        return type(value)(move(item, device) for item in value)
    return value


@dataclass(frozen=True)
class Precision:
    dtype: torch.dtype | None  # what autocast runs the forward pass in; None: float32 throughout
    scaled: bool  # float16 gradients underflow unless the loss is scaled up before backward


def choose_precision(device_type: str, bf16_supported: bool) -> Precision:
    """bfloat16 autocast on a GPU that has it, else float16 with loss scaling. The CPU and mps train
    in float32, as the shipped checkpoints were trained."""
    if device_type != "cuda":
        return Precision(None, scaled=False)
    if bf16_supported:
        return Precision(torch.bfloat16, scaled=False)  # float32's range: nothing to scale
    return Precision(torch.float16, scaled=True)


def autocast(device: torch.device, precision: Precision) -> contextlib.AbstractContextManager:
    """The context the forward pass and loss run in."""
    if precision.dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=precision.dtype)
