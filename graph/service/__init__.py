"""Customer service: tickets with SLAs and escalation, satisfaction surveys, feedback, knowledge base."""
