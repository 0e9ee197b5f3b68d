"""How long names, texts and ids may be: checked at the edge and when protocols load."""

NAME_MAX = 40
TEXT_MAX = 500
ACTION_ID_MAX = 64
