"""APScheduler jobs: window, nags, escalation, summaries, follow-ups, retention."""
