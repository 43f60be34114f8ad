"""An int8 copy of the layer the translation decoder runs last at every step: the output over the
pieces. On one CPU thread a decoding step waits on reading weights, and int8 weights are a quarter of
the bytes. The recurrent cell stays float32: the states and gates a page traces are exactly those of
the model that decodes. (The captioner decodes in float32 throughout.)"""

import warnings
from collections.abc import Callable

import torch
from torch import nn

# fbgemm's dynamic quantisation quantises each input row on the fly; without AVX512-VNNI its
# u8 x s8 products can saturate at 8 bits, so inputs use 7.
REDUCE_RANGE = True


class Int8Linear:
    """y = x W^T + b with W held as int8, one scale per output row.

    fbgemm quantises its input with one scale for the whole batch, which would make a row's result
    depend on the other rows (a beam on its neighbours, a sentence on its batch). So each row is
    divided by its own largest magnitude first, and one extra row holding -1 and 1 fixes the range:
    every row is quantised on the same grid, whatever else is in the batch."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        weight = weight.detach().float()
        scales = (weight.abs().amax(dim=1) / 127).clamp(min=torch.finfo(torch.float32).tiny)
        zero_points = torch.zeros(len(weight), dtype=torch.long)
        with warnings.catch_warnings():  # torch 2.14 marks quantised tensors deprecated; fbgemm remains
            warnings.simplefilter("ignore")
            quantized = torch.quantize_per_channel(weight, scales.double(), zero_points, 0, torch.qint8)
            self.packed = torch.ops.quantized.linear_prepack(quantized, None)
        self.bias = None if bias is None else bias.detach().float()
        self.range = torch.zeros(1, weight.size(1))
        self.range[0, :2] = torch.tensor([-1.0, 1.0])

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.size(-1))
        scale = rows.abs().amax(dim=1, keepdim=True).clamp(min=torch.finfo(rows.dtype).tiny)
        scaled = torch.cat([rows / scale, self.range])
        y = torch.ops.quantized.linear_dynamic(scaled, self.packed, REDUCE_RANGE)[:-1]
        y = y * scale if self.bias is None else torch.addcmul(self.bias, y, scale)
        return y.reshape(*x.shape[:-1], -1)


class Int8Layers:
    """A model's int8 layers, each made again when its float weights change (a training step, a
    loaded state dict), so validation during training decodes as the app does."""

    def __init__(self):
        self._made: dict[str, tuple[tuple, Int8Linear]] = {}

    def linear(self, name: str, weight: torch.Tensor, bias: torch.Tensor | None = None) -> Int8Linear:
        tensors = (weight,) if bias is None else (weight, bias)
        # an inference tensor has no version counter, and nothing outside inference mode changes it
        version = tuple((t.data_ptr(), None if t.is_inference() else t._version) for t in tensors)
        made = self._made.get(name)
        if made is None or made[0] != version:
            made = self._made[name] = (version, Int8Linear(weight, bias))
        return made[1]


def tied_output(model: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The output layer of a decoder whose `output` is tied to its `embedding` (plus `output_bias`):
    int8 on the CPU (from float32 weights, or the float16 table `models.load` keeps), the float
    `output` elsewhere. Only this layer: the one before
    it reads the cell's state beside source or image features, whose scales differ too much for one
    int8 grid a row (tried on the captioner: the sample photos' captions got worse)."""
    weight, bias = model.embedding.weight, model.output_bias
    if weight.device.type != "cpu" or weight.dtype not in (torch.float32, torch.float16):
        return model.output
    return model.int8.linear("output", weight, bias)
