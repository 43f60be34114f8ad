# Unfold: `make run` starts the app, `make test` passes the tests. Both set up .venv first.
PYTHON ?= python3
# The oldest Python Unfold runs on: pyproject.toml's requires-python and README say the same.
PYTHON_MIN := 3.11
VENV := .venv
PY := $(VENV)/bin/python
DATA ?= ../shared/data
# The local copies where they exist (this project's machines), else the Hugging Face hub.
SENTIMENT_DATA := $(if $(wildcard $(DATA)/imdb/train.csv.gz),$(DATA)/imdb/train.csv.gz $(DATA)/sst2,stanfordnlp/imdb stanfordnlp/sst2)

.PHONY: run test lint bench cloud-check browser train-sentiment evaluate-sentiment clean \
	train-sentiment-rnn train-sentiment-gru train-sentiment-ko \
	train-translation train-translation-de-en train-translation-en-de evaluate-translation \
	train-captioning evaluate-captioning cards

run: $(VENV)/.runtime
	$(PY) -m streamlit run app.py

test: $(VENV)/.dev browser
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m pytest

bench: $(VENV)/.dev browser
	$(PY) -m bench

# A rehearsal of Streamlit Community Cloud (README: Deploy it): a fresh Python 3.12 venv with
# requirements.txt installed by uv, the app in a cgroup of MEMORY MiB and CPUS cores, VISITORS
# protocol-level visitors walking every page for ROUNDS rounds, and one headless browser.
CLOUD_VENV ?= /tmp/unfold-cloud-venv
MEMORY ?= 1536
CPUS ?= 1
VISITORS ?= 20
ROUNDS ?= 3
cloud-check: $(VENV)/.dev browser
	$(PY) -m deploy.cloud --venv $(CLOUD_VENV) --memory $(MEMORY) --cpus $(CPUS) \
		--visitors $(VISITORS) --rounds $(ROUNDS) $(ARGS)

lint: $(VENV)/.dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

train-sentiment: $(VENV)/.runtime
	$(PY) -m training.sentiment --data $(SENTIMENT_DATA) --out checkpoints/sentiment.pt $(ARGS)

# The same recipe with the vanilla cell and with a GRU, for the "Inside an RNN" pages.
train-sentiment-rnn train-sentiment-gru: train-sentiment-%: $(VENV)/.runtime
	$(PY) -m training.sentiment --data $(SENTIMENT_DATA) --cell $* --out checkpoints/sentiment-$*.pt $(ARGS)

# Korean movie reviews (NSMC), read as sentencepiece pieces (the model card compares syllables).
KOREAN_DATA := $(if $(wildcard $(DATA)/nsmc/ratings_train.txt.gz),$(DATA)/nsmc,e9t/nsmc)
train-sentiment-ko: $(VENV)/.runtime
	$(PY) -m training.sentiment --data $(KOREAN_DATA) --tokens pieces --vocab-size 16000 --epochs 5 \
		--out checkpoints/sentiment-ko.pt $(ARGS)

evaluate-sentiment: $(VENV)/.runtime
	for name in sentiment sentiment-rnn sentiment-gru; do \
		$(PY) -m training.evaluate checkpoints/$$name.pt --data $(SENTIMENT_DATA) || exit 1; done
	$(PY) -m training.evaluate checkpoints/sentiment-ko.pt --data $(KOREAN_DATA)

# What each unit of a sentiment checkpoint responds to over the held-out texts, written beside it
# (checkpoints/<name>.atlas.npz): make atlas CHECKPOINT=checkpoints/sentiment-gru.pt
CHECKPOINT ?= checkpoints/sentiment.pt
.PHONY: atlas
atlas: $(VENV)/.runtime
	$(PY) -m training.atlas $(CHECKPOINT) --data $(SENTIMENT_DATA) $(ARGS)

# The held-out texts the app builds an uploaded sentiment model's atlas over, one file a language
# (training/heldout.py names the splits): assets/heldout-en.jsonl.gz, assets/heldout-ko.jsonl.gz.
.PHONY: heldout
heldout: $(VENV)/.runtime
	$(PY) -m training.heldout --data $(SENTIMENT_DATA) --per-source 700 --out assets/heldout-en.jsonl.gz
	$(PY) -m training.heldout --data $(KOREAN_DATA) --per-source 1500 --out assets/heldout-ko.jsonl.gz

TRANSLATION_DATA := $(if $(wildcard $(DATA)/multi30k/raw),$(DATA)/multi30k $(DATA)/tatoeba_eng_deu,bentrevett/multi30k)

train-translation: train-translation-de-en train-translation-en-de

# Two steps a direction: 11 epochs on both data sets (into checkpoints/translation-SRC-TGT-base.pt,
# which git ignores), then 3 more from there with Multi30k read twice an epoch, at a quarter of the rate.
train-translation-de-en train-translation-en-de: train-translation-%: $(VENV)/.runtime
	$(PY) -m training.translation $(call languages,$*) --data $(TRANSLATION_DATA) \
		--out checkpoints/translation-$*-base.pt $(ARGS)
	$(PY) -m training.translation $(call languages,$*) --data $(TRANSLATION_DATA) \
		--init checkpoints/translation-$*-base.pt --oversample 2 1 --epochs 3 --lr 5e-4 $(ARGS)

languages = --src $(word 1,$(subst -, ,$(1))) --tgt $(word 2,$(subst -, ,$(1)))

evaluate-translation: $(VENV)/.runtime
	$(PY) -m training.evaluate checkpoints/translation-de-en.pt --data $(TRANSLATION_DATA)
	$(PY) -m training.evaluate checkpoints/translation-en-de.pt --data $(TRANSLATION_DATA)

CAPTIONING_DATA := $(if $(wildcard $(DATA)/flickr8k/text),$(DATA)/flickr8k,jxie/flickr8k)

# Three steps: the decoder learns the reference captions word by word (cross-entropy, written to
# checkpoints/captioning-xe.pt, which git ignores), then self-critical sequence training from there
# rewards the captions it samples by their CIDEr-D, then more of it on the file itself with one
# reference per image learned by cross-entropy too, validating the mean of the epochs so far.
train-captioning: $(VENV)/.runtime
	$(PY) -m training.captioning --data $(CAPTIONING_DATA) --out checkpoints/captioning-xe.pt $(ARGS)
	$(PY) -m training.captioning --data $(CAPTIONING_DATA) --init checkpoints/captioning-xe.pt --scst \
		--batch-size 16 --lr 1e-4 --epochs 5 $(ARGS)
	$(PY) -m training.captioning --data $(CAPTIONING_DATA) --init checkpoints/captioning.pt --scst \
		--xe-weight 0.25 --batch-size 16 --lr 5e-5 --epochs 2 --average 2 $(ARGS)

evaluate-captioning: $(VENV)/.runtime
	$(PY) -m training.evaluate checkpoints/captioning.pt --data $(CAPTIONING_DATA)

# The measured part of every model card, from its checkpoint (the prose after it is kept).
cards: $(VENV)/.runtime
	$(PY) -m training.card $(filter-out %.resume.pt,$(wildcard checkpoints/*.pt))

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < tuple(map(int, "$(PYTHON_MIN)".split("."))) and \
		f"Unfold needs Python $(PYTHON_MIN) or newer; $(PYTHON) is {sys.version.split()[0]}: name one, as in make run PYTHON=python3.12")'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Debian's chromium for the browser tests, and a CJK font so that the Korean pages' screenshots show
# Hangul; elsewhere they skip with a notice (CI requires it).
browser:
	@{ command -v chromium && fc-list :lang=ko | grep -q .; } >/dev/null 2>&1 || { \
		echo "installing Debian's chromium and fonts-noto-cjk for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo "sudo -n" ); \
		($$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null 2>&1 \
		|| echo "chromium or fonts-noto-cjk could not be installed: without chromium, browser tests skip"; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/e2e/screenshots
