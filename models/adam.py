"""Adam (Kingma and Ba, 2015) for the small models the pages train live, step for step as torch.optim's.

The app cannot use torch.optim.Adam: its constructor imports the compiler stack (torch._dynamo,
sympy, triton), 160 MB that would stay resident in the server for the rest of its life."""

import math

import torch


class Adam:
    def __init__(self, parameters, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.parameters = list(parameters)
        self.lr, self.betas, self.eps = lr, betas, eps
        self.steps = 0
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in self.parameters]

    def zero_grad(self) -> None:
        for parameter in self.parameters:
            parameter.grad = None

    @torch.no_grad()
    def step(self) -> None:
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1**self.steps)
        correction = math.sqrt(1 - beta2**self.steps)
        for parameter, (mean, square) in zip(self.parameters, self.moments):
            if parameter.grad is None:
                continue
            mean.lerp_(parameter.grad, 1 - beta1)
            square.mul_(beta2).addcmul_(parameter.grad, parameter.grad, value=1 - beta2)
            parameter.addcdiv_(mean, (square.sqrt() / correction).add_(self.eps), value=-step_size)
