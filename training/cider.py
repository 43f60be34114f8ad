"""CIDEr-D (Vedantam et al. 2015, as the COCO caption evaluation computes it): how well a caption's
n-grams (1 to 4), weighted by tf-idf over the images' reference sets, match an image's references,
with clipped counts and a penalty for a length unlike the reference's. 10 is the best possible."""

import math
from collections import Counter

SIGMA = 6.0  # the length penalty's width, in words


def ngrams(words: list[str], n_max: int = 4) -> Counter:
    return Counter(tuple(words[i : i + n]) for n in range(1, n_max + 1) for i in range(len(words) - n + 1))


class CiderD:
    """Document frequencies from every image's reference set; `score` is then one image's CIDEr-D."""

    def __init__(self, references: list[list[list[str]]]):
        """references: per image, its reference captions as word lists."""
        self.frequency = Counter(gram for refs in references for gram in set().union(*map(ngrams, refs)))
        self.log_images = math.log(len(references))

    def vector(self, words: list[str]) -> tuple[list[dict], list[float], int]:
        """tf-idf per n (1..4), their norms, and the caption's length."""
        vectors = [{} for _ in range(4)]
        for gram, count in ngrams(words).items():
            idf = self.log_images - math.log(max(1.0, self.frequency[gram]))
            vectors[len(gram) - 1][gram] = count * idf
        norms = [math.sqrt(sum(v * v for v in vector.values())) for vector in vectors]
        return vectors, norms, len(words)

    def score(self, candidate: list[str], references: list[tuple[list[dict], list[float], int]]) -> float:
        """CIDEr-D of a caption against one image's references, each given by `vector`."""
        vectors, norms, length = self.vector(candidate)
        total = 0.0
        for ref_vectors, ref_norms, ref_length in references:
            penalty = math.exp(-((length - ref_length) ** 2) / (2 * SIGMA**2))
            for n in range(4):
                if norms[n] and ref_norms[n]:
                    ref = ref_vectors[n]
                    shared = sum(min(v, ref[g]) * ref[g] for g, v in vectors[n].items() if g in ref)
                    total += penalty * shared / (norms[n] * ref_norms[n])
        return 10 * total / (4 * len(references))
