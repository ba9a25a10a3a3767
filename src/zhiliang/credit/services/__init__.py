"""Every write of the credit app, one module per stage: ``facts`` (record, match, publish), ``classes`` (credit-risk class)."""
