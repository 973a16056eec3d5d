"""The assistant document's application (004 database-engineer), run against chatdb's
assistant schema: its SQLModel classes and its two query functions verbatim, a `user`
model for the table its foreign key "user.id" names, and task queries that filter by
user_id ("All queries MUST filter by user_id for isolation"). PostgreSQL only: the
document names no other database.

Usage: python3 tests/apps/assistant.py postgres://...  (after `chatdb -s assistant migrate`)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import check, main  # noqa: E402

# ---------------------------------------------------------------- the document, verbatim
# "1. Conversation Schema"
from sqlmodel import SQLModel, Field, Relationship
from datetime import datetime
from typing import Optional
import uuid

class Conversation(SQLModel, table=True):
    __tablename__ = "conversations"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True)
    user_id: str = Field(foreign_key="user.id", index=True)
    title: Optional[str] = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=datetime.utcnow)
    updated_at: datetime = Field(default_factory=datetime.utcnow)

    # Relationships
    messages: list["Message"] = Relationship(back_populates="conversation")

# "2. Message Schema"
class Message(SQLModel, table=True):
    __tablename__ = "messages"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True)
    conversation_id: str = Field(foreign_key="conversations.id", index=True)
    role: str = Field(max_length=20)  # user, assistant, system
    content: str = Field(max_length=10000)
    agent_name: Optional[str] = Field(default=None, max_length=50)
    agent_icon: Optional[str] = Field(default=None, max_length=10)
    created_at: datetime = Field(default_factory=datetime.utcnow)

    # Relationships
    conversation: Conversation = Relationship(back_populates="messages")

# ---------------------------------------------------------------- what the document only names
from typing import List  # noqa: E402

from sqlalchemy import Column, Text  # noqa: E402
from sqlalchemy.dialects.postgresql import ARRAY  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402
from sqlmodel import select  # noqa: E402
from sqlmodel.ext.asyncio.session import AsyncSession  # noqa: E402


# The table the document's foreign key "user.id" points at, in the classes' own style.
class User(SQLModel, table=True):
    __tablename__ = "user"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True)
    email: str = Field(max_length=255, unique=True)
    display_name: Optional[str] = Field(default=None, max_length=100)
    created_at: datetime = Field(default_factory=datetime.utcnow)
    updated_at: datetime = Field(default_factory=datetime.utcnow)


# The tasks "3. Database Indexes" implies (idx_tasks_user_completed, idx_tasks_tags GIN,
# idx_tasks_due_date), as chatdb's schema designs them.
class Task(SQLModel, table=True):
    __tablename__ = "tasks"

    id: str = Field(default_factory=lambda: str(uuid.uuid4()), primary_key=True)
    user_id: str = Field(foreign_key="user.id", index=True)
    title: str = Field(max_length=200)
    description: Optional[str] = None
    completed: bool = False
    priority: str = Field(default="medium", max_length=10)
    tags: List[str] = Field(default_factory=list, sa_column=Column(ARRAY(Text), nullable=False))
    due_date: Optional[datetime] = None
    created_at: datetime = Field(default_factory=datetime.utcnow)
    updated_at: datetime = Field(default_factory=datetime.utcnow)
    completed_at: Optional[datetime] = None


# The document's snippets use a `session` in scope; the scenario sets it.
session: AsyncSession = None

# ---------------------------------------------------------------- "4. Query Patterns", verbatim
# Get user conversations (max 100)
async def get_user_conversations(user_id: str, limit: int = 100):
    statement = (
        select(Conversation)
        .where(Conversation.user_id == user_id)
        .order_by(Conversation.updated_at.desc())
        .limit(limit)
    )
    return await session.exec(statement)

# Get conversation messages
async def get_conversation_messages(conversation_id: str, user_id: str):
    # Always verify user ownership
    statement = (
        select(Message)
        .join(Conversation)
        .where(
            Message.conversation_id == conversation_id,
            Conversation.user_id == user_id
        )
        .order_by(Message.created_at)
    )
    return await session.exec(statement)

# ---------------------------------------------------------------- task queries, by user


async def get_open_tasks(user_id: str):
    statement = (
        select(Task)
        .where(Task.user_id == user_id, Task.completed == False)  # noqa: E712
        .order_by(Task.created_at.desc())
    )
    return await session.exec(statement)


async def get_tasks_by_tag(user_id: str, tag: str):
    statement = select(Task).where(Task.user_id == user_id, Task.tags.contains([tag]))
    return await session.exec(statement)


async def get_tasks_due(user_id: str, due_by: datetime):
    statement = (
        select(Task)
        .where(
            Task.user_id == user_id,
            Task.due_date.is_not(None),
            Task.due_date <= due_by,
            Task.completed == False,  # noqa: E712
        )
        .order_by(Task.due_date)
        .limit(100)
    )
    return await session.exec(statement)


# ---------------------------------------------------------------- the scenario


async def scenario(driver, url):
    global session
    from datetime import timedelta

    engine = create_async_engine(url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as s:
            session = s
            alice = User(email=f"alice-{driver}@example.com", display_name="Alice")
            bob = User(email=f"bob-{driver}@example.com")
            session.add_all([alice, bob])
            await session.commit()

            # Conversations and messages as the classes write them: str(uuid4()) ids,
            # naive datetime.utcnow() timestamps.
            older = Conversation(user_id=alice.id, title="Trip planning",
                                 updated_at=datetime.utcnow() - timedelta(hours=1))
            newer = Conversation(user_id=alice.id, title=None)
            bobs = Conversation(user_id=bob.id, title="Bob's")
            session.add_all([older, newer, bobs])
            await session.commit()
            turns = [
                Message(conversation_id=newer.id, role="system", content="You are helpful.",
                        created_at=datetime.utcnow() - timedelta(seconds=3)),
                Message(conversation_id=newer.id, role="user", content="Hi",
                        created_at=datetime.utcnow() - timedelta(seconds=2)),
                Message(conversation_id=newer.id, role="assistant", content="x" * 10000,
                        agent_name="planner", agent_icon="🧭",
                        created_at=datetime.utcnow() - timedelta(seconds=1)),
                Message(conversation_id=bobs.id, role="user", content="Bob's secret"),
            ]
            session.add_all(turns)
            await session.commit()

            convs = (await get_user_conversations(alice.id)).all()
            check([c.id for c in convs] == [newer.id, older.id],
                  f"alice's conversations, latest updated first: {[c.title for c in convs]}")
            check(all(isinstance(c.created_at, datetime) and c.created_at.tzinfo is None
                      for c in convs), "timestamps come back as the naive UTC values written")

            msgs = (await get_conversation_messages(newer.id, alice.id)).all()
            check([m.role for m in msgs] == ["system", "user", "assistant"],
                  f"messages in created_at order: {[m.role for m in msgs]}")
            check(len(msgs[2].content) == 10000 and msgs[2].agent_icon == "🧭",
                  "a 10,000-character reply and its agent icon round-trip")
            # Isolation: bob's conversation is not alice's to read.
            check((await get_conversation_messages(bobs.id, alice.id)).all() == [],
                  "another user's conversation returns no messages")

            # The relationship the classes declare loads too.
            await session.refresh(newer, ["messages"])
            check(len(newer.messages) == 3, "Conversation.messages loads the conversation's messages")

            now = datetime.utcnow()
            tasks = [
                Task(user_id=alice.id, title="Book flights", tags=["travel", "work"],
                     due_date=now + timedelta(days=1)),
                Task(user_id=alice.id, title="Pack", tags=["travel"], due_date=now + timedelta(days=5)),
                Task(user_id=alice.id, title="Done already", completed=True, completed_at=now,
                     tags=["work"]),
                Task(user_id=bob.id, title="Bob's task", tags=["work"], due_date=now),
            ]
            session.add_all(tasks)
            await session.commit()
            open_titles = sorted(t.title for t in (await get_open_tasks(alice.id)).all())
            check(open_titles == ["Book flights", "Pack"], f"alice's open tasks: {open_titles}")
            work = sorted(t.title for t in (await get_tasks_by_tag(alice.id, "work")).all())
            check(work == ["Book flights", "Done already"], f"alice's tasks tagged work: {work}")
            due = [t.title for t in (await get_tasks_due(alice.id, now + timedelta(days=2))).all()]
            check(due == ["Book flights"], f"alice's tasks due within two days: {due}")

            # Deleting a user takes their conversations, messages and tasks with them.
            await session.delete(bob)
            await session.commit()
            left = (await session.exec(select(Message).where(Message.conversation_id == bobs.id))).all()
            check(left == [], "deleting a user cascades to their conversations' messages")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main(scenario)
