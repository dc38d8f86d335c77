# Simon Willison's llm as a library with the llm-anthropic plugin. argv[1]: uncaught | logged | logerror
import llm
from _tp_common import run

model = llm.get_model("claude-sonnet-4.5")
run(lambda: model.prompt("hello").text())
