#!/usr/bin/env bash
# Refits the default model shipped under models/default/ on the project's own sample articles.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run --project src/Recommender.ModelBuilder -c Release -- samples/articles.jsonl models/default
