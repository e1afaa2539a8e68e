"""知识竞答: the epidemic-knowledge quiz, answered in private chat."""

from handlers.quiz.answer import take_answer
from handlers.quiz.start import start_round

__all__ = ["start_round", "take_answer"]
