"""Word lists and patterns the text stages share: speech and thought verbs, and the
cues that introduce what someone says. One copy of each."""

from __future__ import annotations

import re

CONTEXT = 60
"""Characters either side of a quote searched for a speech or thought verb."""

THOUGHT_VERBS = r"(?:thought|thinks?|thinking|wondered|wonders|wondering|mused|muses|pondered)"

THOUGHT_HINT = re.compile("thought|think|wonder|muse|ponder")

THOUGHT_AFTER = re.compile(rf"[^.!?\"“”'‘’]{{0,40}}?\b{THOUGHT_VERBS}\b", re.I)

THOUGHT_BEFORE = re.compile(rf"\b{THOUGHT_VERBS}\b[^.!?\"“”]{{0,25}}$", re.I)

SPEECH_VERBS = re.compile(
    r"\b(?:said|says|say|asked|asks|ask|whispered|shouted|yelled|muttered|replied|called|cried"
    r"|told|tell|spoke|answered|murmured|exclaimed|screamed|snapped|added|continued)\b",
    re.I,
)


# Words that introduce or follow reported speech, so a quote beside them is speech even
# when it sits inside a narration sentence ("cries of "Help!"", "she said to herself").
SPEECH_CUES = re.compile(
    r"\b(?:said|says|say|saying|asked|asks|ask|asking|whispered|whispering|shouted|shouting"
    r"|yelled|muttered|muttering|replied|cried|crying|cries|cry|told|tell|telling"
    r"|spoke|answered|murmured|exclaimed|exclaiming|screamed|snapped|added|adding|continued"
    r"|continuing|sighed|pleaded|began|begun|repeated|returned|observed|remarked|resumed"
    r"|announced|announcing|voice|whisper|shout|exclamation|speech|hesitated"
    r"|(?:call|calls|called|calling|went|go|goes|going|burst|broke)\s+(?:out|on|forth|in))\b",
    re.I,
)
