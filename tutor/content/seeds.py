"""How many variants `tutor check` draws per question: the one place this is decided.

A bad parameter range shows on some share of the variants (a probability below 0 on 17 % of
them, say). Drawing is cheap (well under a millisecond a variant) and grading is not, so every
drawn variant is checked for what it computes, and the answer key's self-tests grade the first
ANSWER_KEY_SEEDS of them. Imports nothing, so that `tutor --help` stays fast.
"""

from __future__ import annotations

import math

# Draw enough that a problem on 5 % of the variants is found 99 times in 100: 0.95^90 < 0.01.
MISSED_SHARE = 0.05
MISS_CHANCE = 0.01
DEFAULT_SEEDS = math.ceil(math.log(MISS_CHANCE) / math.log(1 - MISSED_SHARE))
ANSWER_KEY_SEEDS = 5
