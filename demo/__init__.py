"""The README's run command (`make demo`): one paper letter through all four services."""
