# Self-hosting Unfold: docker build -t unfold . && docker run -p 8501:8501 unfold
FROM python:3.11-slim

WORKDIR /app
# CPU-only torch first (the versions requirements.txt pins): PyPI's Linux wheel is the CUDA build, gigabytes more.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \
        torch==2.14.1
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY app.py ./
COPY .streamlit .streamlit
COPY assets assets
COPY checkpoints checkpoints
COPY locales locales
COPY models models
COPY training training
COPY ui ui
COPY pages pages

RUN useradd --create-home unfold
USER unfold
EXPOSE 8501
HEALTHCHECK CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health')"
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address=0.0.0.0", "--server.port=8501"]
