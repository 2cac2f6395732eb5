#!/bin/bash
# The lab's LLM: llama-server (real inference) on 127.0.0.1:8080, and the ollama-adapter stand-in on $PORT that
# speaks Ollama's API in front of it. If either exits, the other is stopped and the container exits with it.
set -euo pipefail

PORT="${PORT:-11434}"
llama-server \
  --model "$LLM_MODEL_FILE" \
  --alias "$LLM_MODEL" \
  --host 127.0.0.1 --port 8080 \
  --threads "${LLM_THREADS:-1}" \
  --ctx-size "${LLM_CTX_SIZE:-2048}" \
  --parallel 1 \
  --seed "${LLM_SEED:-42}" \
  --temp 0 \
  --jinja --chat-template-file /opt/llm/gemma-turn.jinja &
server=$!
python3 /opt/standins/ollama_adapter.py --port "$PORT" &
adapter=$!

trap 'kill -TERM "$server" "$adapter" 2>/dev/null || true' TERM INT
status=0
wait -n "$server" "$adapter" || status=$?
kill -TERM "$server" "$adapter" 2>/dev/null || true
wait || true
exit "$status"
