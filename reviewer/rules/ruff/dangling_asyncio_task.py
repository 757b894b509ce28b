from reviewer.model import Category, Severity
from reviewer.rules.base import Example, Rule


class DanglingAsyncioTask(Rule):
    """Reported by ruff (RUF006), batched; mapped into our catalogue."""

    id = "dangling-asyncio-task"
    title = "asyncio task created without keeping a reference"
    severity = Severity.HIGH
    category = Category.RELIABILITY
    languages = ("python",)
    ruff_codes = ("RUF006",)
    rationale = (
        "The event loop keeps only a weak reference to tasks: a task nobody holds can be "
        "garbage-collected mid-flight, and its exception is never seen."
    )
    fix = "Keep the task (a set of background tasks, discarded on done) or use a TaskGroup."
    example = Example(
        before="asyncio.create_task(send_receipt(order))",
        after="task = asyncio.create_task(send_receipt(order))\n"
        "background.add(task)\ntask.add_done_callback(background.discard)",
    )
    references = ("https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task",)
