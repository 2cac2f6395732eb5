"""The deterministic intent router: a question in French or English, typos included, to one of the seed's
questions (night, swap, disk, media) or `status`, or to None (an open question).

No model and no heavy dependency: the words are normalised (lower case, accents and punctuation dropped), each
is matched against each intent's keywords exactly, else within a small edit distance (one edit for words of 4 to
6 letters, two from 7: "pourqoi", "cete nuiit", "dique"), and weighted; the best intent wins when it scores
enough and clearly more than the next."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: intent -> {keyword: weight}. Multi-word keywords match as phrases on the normalised text.
KEYWORDS: dict[str, dict[str, float]] = {
    "night": {
        "nuit": 3, "night": 3, "overnight": 3, "nocturne": 3, "nocturnes": 3, "tourne": 2, "tourner": 2, "ran": 2,
        "run": 1, "runs": 1, "jobs": 1.5, "job": 1.5, "taches": 1.5, "tache": 1.5, "cron": 2, "minuit": 2,
        "passe": 1, "happened": 1.5, "sauvegardes": 1, "sauvegarde": 1, "backups": 1, "backup": 1, "executed": 1.5,
        "execute": 1, "hier soir": 2, "yesterday": 1, "remediations": 1, "timers": 1.5, "asleep": 3,
        "sleeping": 3, "dormais": 3, "dormi": 3,
    },
    "swap": {
        "swap": 4, "swappe": 4, "swapper": 4, "swapping": 4, "swaps": 4, "memoire": 2, "memory": 2, "ram": 2,
        "oom": 3, "synapse": 1, "pi 2": 1.5, "pi2": 1.5, "pi 1": 1, "pi1": 1, "cortex": 0.5, "pourquoi": 0.5,
        "why": 0.5, "mem": 1.5,
    },
    "disk": {
        "hdd": 4, "hhd": 4, "disque": 3, "disk": 3, "espace": 2, "space": 2, "dossiers": 2, "dossier": 2,
        "folders": 2, "folder": 2, "stockage": 2, "storage": 2, "place": 1.5, "rempli": 1.5, "full": 1,
        "volumineux": 2, "largest": 1.5, "biggest": 1.5, "gros": 1, "taille": 1.5, "size": 1.5, "occupe": 1.5,
        "consomme": 0.5, "plein": 1.5, "go": 0.5, "gb": 0.5, "tb": 0.5, "to": 0, "repertoires": 2, "repertoire": 2,
        "directories": 2, "directory": 2, "hard drive": 3, "drive": 2, "filling": 1.5,
    },
    "media": {
        "regarder": 3, "watch": 3, "voir": 1, "film": 2, "films": 2, "movie": 2, "movies": 2, "serie": 2,
        "series": 2, "episode": 2, "episodes": 2, "shows": 2, "show": 1, "jellyfin": 3, "media": 2, "medias": 2,
        "ce soir": 1.5, "tonight": 1.5, "nouveau": 1, "nouveautes": 2, "new": 1, "unwatched": 3, "vu": 1, "seen": 1,
        "mater": 2, "visionner": 3, "multimedia": 2,
    },
    "status": {
        "status": 3, "statut": 3, "etat": 3, "state": 1, "sante": 2, "health": 2, "healthy": 2, "ca va": 2,
        "tout va bien": 3, "everything ok": 3, "all good": 3, "conformite": 2, "checks": 1, "rouge": 1, "red": 1,
    },
}  # fmt: skip
MIN_SCORE = 2.5
MARGIN = 1.0

EN_WORDS = {"what", "why", "is", "the", "which", "how", "does", "on", "my", "to", "using", "most", "ran", "last",
            "night", "tonight", "watch", "space", "disk", "there", "anything", "did", "are", "in", "of", "uses",
            "swapping", "show", "me", "taking", "up", "i", "have", "any", "not", "was", "while", "should"}  # fmt: skip
FR_WORDS = {"qu", "est", "ce", "quoi", "pourquoi", "le", "la", "les", "sur", "cette", "nuit", "a", "j", "ai",
            "regarder", "soir", "qui", "plus", "de", "du", "des", "il", "y", "que", "mon", "ma", "quels",
            "quelles", "prend", "tourne", "disque", "ca", "va", "t"}  # fmt: skip


@dataclass(frozen=True)
class Route:
    intent: str | None
    lang: str
    node: str = "synapse"
    score: float = 0.0


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def distance(a: str, b: str, cap: int = 3) -> int:
    """Optimal string alignment distance (edits and adjacent transpositions), stopped at `cap`."""
    if abs(len(a) - len(b)) >= cap:
        return cap
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
        if min(cur) >= cap:
            return cap
    return min(prev[-1], cap)


def _allowed(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 7 else 2


_VOCAB = {k for words in KEYWORDS.values() for k in words if " " in k} | {
    k for words in KEYWORDS.values() for k in words
}


def _fuzzy(token: str, keyword: str) -> bool:
    allowed = min(_allowed(token), _allowed(keyword))
    return allowed > 0 and distance(token, keyword, allowed + 1) <= allowed


def detect_lang(text: str) -> str:
    tokens = normalise(text).split()
    en = sum(t in EN_WORDS for t in tokens)
    fr = sum(t in FR_WORDS for t in tokens)
    return "en" if en > fr else "fr"


def route(question: str, lang: str | None = None) -> Route:
    text = normalise(question)
    tokens = text.split()
    padded = f" {text} "
    known = {k for words in KEYWORDS.values() for k in words}
    scores: dict[str, float] = {}
    for intent, words in KEYWORDS.items():
        score = 0.0
        for keyword, weight in words.items():
            if " " in keyword:
                score += weight if f" {keyword} " in padded else 0
            elif keyword in tokens or any(t not in known and t not in FR_WORDS | EN_WORDS and _fuzzy(t, keyword)
                                          for t in tokens):  # fmt: skip
                score += weight
        scores[intent] = score
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    node = "cortex" if re.search(r"\b(pi ?1|cortex)\b", text) and not re.search(r"\b(pi ?2|synapse)\b", text) \
        else "synapse"  # fmt: skip
    chosen = best if top >= MIN_SCORE and top - second >= MARGIN else None
    return Route(chosen, lang or detect_lang(question), node, top)
