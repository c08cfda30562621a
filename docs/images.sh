#!/usr/bin/env bash
# Regenerates every image the README shows, with the command line and the bundled model.
# Run from the repository root: docs/images.sh
set -euo pipefail
export MODEL=bundled HF_HUB_OFFLINE=1
bot() { python -m bot "$@" >/dev/null; }
bot attention "Apple is huge enterprise" apple --hide-special --out docs/attention-enterprise.png
bot attention "I am eating an apple" apple --hide-special --out docs/attention-eating.png
bot attention "I am eating an apple" apple --view grid --out docs/grid-apple.png
bot compare apple "Apple is huge enterprise" "I am eating an apple" --hide-special --out docs/compare-apple.png
bot attention "나는 사과를 먹었다" 사과 --lang ko --out docs/attention-ko.png
bot compare 사과 "사과를 먹었다" "친구에게 사과를 했다" --lang ko --out docs/compare-ko.png
bot attention "Apple is huge enterprise" apple --values norms --out docs/norms-enterprise.png
bot attention "I am eating an apple" apple --occlusion --out docs/occlusion-eating.png
bot attention "I am eating an apple" apple --gif --hide-special --out docs/animation-eating.gif
