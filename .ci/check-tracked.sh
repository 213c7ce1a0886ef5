#!/usr/bin/env bash
# Fails when a tracked file is a binary or larger than 1 MB: build outputs
# and test binaries belong in .gitignore, not in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
limit=$((1 << 20))
status=0
# git's own view of each staged file: i/-text marks a binary.
while read -r index _ _ path; do
  if [ "$index" = "i/-text" ]; then
    echo "tracked binary: $path" >&2
    status=1
  fi
done < <(git ls-files --eol)
while read -r size path; do
  if [ "$size" -gt "$limit" ]; then
    echo "tracked file larger than 1 MB: $path ($size bytes)" >&2
    status=1
  fi
done < <(git ls-files -s | awk '{ sub(/^[^ ]+ /, ""); sub(/ [0-9]+\t/, " "); print }' |
  git cat-file --batch-check='%(objectsize) %(rest)')
if [ "$status" -ne 0 ]; then
  echo "hint: git rm --cached the file and add its pattern to .gitignore" >&2
fi
exit "$status"
