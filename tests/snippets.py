"""Text snippets shared by tests: a method header and a one-source KB bibliography."""

HEAD = '''method t.m "T" {
  standard "S"
  boundary cradle_to_gate
  gwp AR5
  stage production "生产"
'''
SOURCES = '[src]\ntitle = "T"\nissuer = "I"\nyear = 2024\n'
