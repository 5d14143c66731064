#!/bin/sh
# Seeds fuzz/corpus/parse_eval (gitignored) with the pattern strings of the unit tests:
# every double-quoted string literal in src/pattern/tests*.rs that starts like a pattern,
# its escaped quotes and backslashes (\" and \\) unescaped.
# Run from the repository root: sh fuzz/seed_corpus.sh
set -eu
out=fuzz/corpus/parse_eval
mkdir -p "$out"
n=0
grep -ohE '"(\{|\[|%|\?|-)([^"\\]|\\.)*"' src/pattern/tests*.rs |
    sed -E 's/^"//; s/"$//; s/\\(["\\])/\1/g' | sort -u |
while IFS= read -r line; do
    n=$((n + 1))
    printf '%s' "$line" > "$out/seed-$n"
done
for p in 'ERROR' '?ERROR ?WARN -x' '"a phrase"' '{ $.eventName = CreateVpc }' '[a, ..., b > 1]'; do
    n=$((n + 1))
    printf '%s' "$p" > "$out/extra-$n"
done
ls "$out" | wc -l
