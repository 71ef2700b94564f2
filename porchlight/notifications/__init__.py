"""What is sent to whom and when: triggers, channel policy, messages, SMS, unsubscribe, phones."""
