"""`mailbot demo`: the embedded mail system and a scripted walk through the three tracks."""
