"""Pure mail knowledge: headers, auto-replies, authentication, reply text, tags, compose, iCal."""
