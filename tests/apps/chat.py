"""The chat document's application (000 CHAT-001 Database Expert), run against chatdb's chat
schema: the SQLAlchemy 2.0 (async) models (User verbatim from "SQLAlchemy 모델", the rooms,
members, messages and reads in its style from the document's tables) and the repository
operations of its directory layout (user_repository, room_repository, message_repository):
register a user (FR-001), create a 1:1 room (FR-003), send messages and page the history by
cursor (FR-006, "cursor-based"), mark read (FR-007), and list a user's rooms with only the
latest message by subquery ("채팅방 목록: JOIN 최소화, 최근 메시지만 서브쿼리로 조회").
The document deploys "SQLite (개발) → PostgreSQL (프로덕션)": PostgreSQL through asyncpg and
psycopg 3, SQLite through aiosqlite.

Usage: python3 tests/apps/chat.py postgres://... | sqlite:///path  (after `chatdb -s chat migrate`)
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import check, main  # noqa: E402

from datetime import datetime  # noqa: E402
from uuid import UUID, uuid4  # noqa: E402

from sqlalchemy import ForeignKey, String, Text, and_, delete, event, func, or_, select  # noqa: E402
from sqlalchemy.exc import IntegrityError  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine  # noqa: E402
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column  # noqa: E402


# src/models/base.py
class Base(DeclarativeBase):
    pass


# src/models/user.py (the document's model, verbatim)
class User(Base):
    __tablename__ = "users"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=func.now())
    last_seen_at: Mapped[datetime | None]


# src/models/room.py (ChatRoom 테이블)
class ChatRoom(Base):
    __tablename__ = "chat_rooms"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    created_at: Mapped[datetime] = mapped_column(default=func.now())


class ChatRoomMember(Base):
    __tablename__ = "chat_room_members"

    room_id: Mapped[UUID] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(default=func.now())


# src/models/message.py (Message 테이블, MessageRead 테이블)
class Message(Base):
    __tablename__ = "messages"

    id: Mapped[UUID] = mapped_column(primary_key=True, default=uuid4)
    room_id: Mapped[UUID | None] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    sender_id: Mapped[UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=func.now())


class MessageRead(Base):
    __tablename__ = "message_reads"

    message_id: Mapped[UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(default=func.now())


# ---------------------------------------------------------------- src/repositories/


class UserRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def register(self, username: str, email: str, password_hash: str) -> User:
        user = User(username=username, email=email, password_hash=password_hash)
        self.session.add(user)
        await self.session.flush()
        return user

    async def by_username(self, username: str) -> User | None:
        return (await self.session.execute(select(User).where(User.username == username))).scalar_one_or_none()


class RoomRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def direct_room(self, a: UUID, b: UUID) -> ChatRoom:
        """The 1:1 room of two users (FR-003), created on first use."""
        ma, mb = aliased(ChatRoomMember), aliased(ChatRoomMember)
        existing = (await self.session.execute(
            select(ChatRoom)
            .join(ma, and_(ma.room_id == ChatRoom.id, ma.user_id == a))
            .join(mb, and_(mb.room_id == ChatRoom.id, mb.user_id == b))
        )).scalars().first()
        if existing is not None:
            return existing
        room = ChatRoom()
        self.session.add(room)
        await self.session.flush()
        self.session.add_all([ChatRoomMember(room_id=room.id, user_id=a), ChatRoomMember(room_id=room.id, user_id=b)])
        await self.session.flush()
        return room

    async def rooms_with_latest(self, user_id: UUID):
        """A user's rooms, each with only its latest message, found by a subquery."""
        latest = (
            select(Message.id)
            .where(Message.room_id == ChatRoom.id)
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
            .correlate(ChatRoom)
            .scalar_subquery()
        )
        stmt = (
            select(ChatRoom, Message)
            .join(ChatRoomMember, ChatRoomMember.room_id == ChatRoom.id)
            .outerjoin(Message, Message.id == latest)
            .where(ChatRoomMember.user_id == user_id)
            .order_by(ChatRoom.created_at, ChatRoom.id)
        )
        return (await self.session.execute(stmt)).all()


class MessageRepository:
    def __init__(self, session: AsyncSession):
        self.session = session

    async def send(self, room_id: UUID, sender_id: UUID, content: str) -> Message:
        message = Message(room_id=room_id, sender_id=sender_id, content=content)
        self.session.add(message)
        await self.session.flush()
        return message

    async def history(self, room_id: UUID, before: UUID | None = None, limit: int = 20):
        """A page of a room's messages, newest first, older than the cursor: the id of the
        last message of the previous page, ordered by (created_at, id). The cursor's
        created_at is read by the database itself: on SQLite a datetime parameter is text
        with microseconds, which never equals the seconds-only CURRENT_TIMESTAMP stored."""
        stmt = select(Message).where(Message.room_id == room_id)
        if before is not None:
            at = select(Message.created_at).where(Message.id == before).scalar_subquery()
            stmt = stmt.where(or_(Message.created_at < at, and_(Message.created_at == at, Message.id < before)))
        stmt = stmt.order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)
        page = (await self.session.execute(stmt)).scalars().all()
        cursor = page[-1].id if len(page) == limit else None
        return page, cursor

    async def mark_read(self, message_id: UUID, user_id: UUID) -> None:
        """FR-007; marking a message read twice keeps the first read."""
        if await self.session.get(MessageRead, (message_id, user_id)) is None:
            self.session.add(MessageRead(message_id=message_id, user_id=user_id))
            await self.session.flush()

    async def unread_count(self, room_id: UUID, user_id: UUID) -> int:
        read = select(MessageRead.message_id).where(MessageRead.user_id == user_id, MessageRead.message_id == Message.id)
        stmt = select(func.count()).select_from(Message).where(
            Message.room_id == room_id, or_(Message.sender_id.is_(None), Message.sender_id != user_id), ~read.exists()
        )
        return (await self.session.execute(stmt)).scalar_one()


# ---------------------------------------------------------------- the scenario


async def scenario(driver, url):
    engine = create_async_engine(url)
    if driver == "aiosqlite":
        # SQLite enforces foreign keys, and so runs ON DELETE CASCADE / SET NULL, only on
        # connections that turn them on; chatdb's SQLite migrations say so where they rely on it.
        @event.listens_for(engine.sync_engine, "connect")
        def _foreign_keys_on(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            await session.execute(delete(User))
            await session.execute(delete(ChatRoom))
            users, rooms, messages = UserRepository(session), RoomRepository(session), MessageRepository(session)

            # FR-001
            alice = await users.register(f"alice_{driver}", f"alice_{driver}@example.com", "$2b$12$" + "a" * 53)
            bob = await users.register(f"bob_{driver}", f"bob_{driver}@example.com", "$2b$12$" + "b" * 53)
            carol = await users.register(f"carol_{driver}", f"carol_{driver}@example.com", "$2b$12$" + "c" * 53)
            await session.commit()
            check((await users.by_username(f"bob_{driver}")).id == bob.id, "a user is found by username")
            check(bob.is_active is True and isinstance(bob.created_at, datetime), "defaults: is_active, created_at")
            try:
                async with session.begin_nested():
                    await users.register(f"alice_{driver}", "other@example.com", "x")
                check(False, "a second user with the same username was accepted")
            except IntegrityError:
                pass

            # FR-003: one room per pair, whoever opens it.
            ab = await rooms.direct_room(alice.id, bob.id)
            check((await rooms.direct_room(bob.id, alice.id)).id == ab.id, "the 1:1 room is reused")
            ac = await rooms.direct_room(alice.id, carol.id)
            await session.commit()

            # FR-006: 45 messages, paged 20 at a time by cursor. Many share a created_at (the
            # server's clock in one transaction; SQLite's CURRENT_TIMESTAMP has seconds only),
            # so the order is (created_at, id).
            sent = [await messages.send(ab.id, (alice, bob)[i % 2].id, f"message {i}") for i in range(45)]
            await messages.send(ac.id, carol.id, "hi alice")
            await session.commit()
            seen, cursor, pages = [], None, 0
            while True:
                page, cursor = await messages.history(ab.id, cursor, limit=20)
                seen.extend(m.id for m in page)
                pages += 1
                if cursor is None:
                    break
            check(pages == 3 and len(seen) == 45 and len(set(seen)) == 45,
                  f"every message once over the pages: {len(seen)} in {pages} pages")
            check(set(seen) == {m.id for m in sent}, "the pages hold exactly the room's messages")

            # FR-007
            for m in sent[:10]:
                await messages.mark_read(m.id, bob.id)
            await messages.mark_read(sent[0].id, bob.id)
            await session.commit()
            unread = await messages.unread_count(ab.id, bob.id)
            check(unread == 23 - 5, f"bob's unread messages from alice: {unread}")

            # 채팅방 목록: the latest message per room, by subquery.
            listing = await rooms.rooms_with_latest(alice.id)
            latest = {room.id: msg for room, msg in listing}
            check(set(latest) == {ab.id, ac.id}, "alice's rooms")
            check(latest[ac.id].content == "hi alice", "the latest message of the room with carol")
            newest = (await messages.history(ab.id, limit=1))[0][0]
            check(latest[ab.id].id == newest.id, "the latest message of the room with bob is the history's first")

            # Deleting a user keeps their messages without a sender (ON DELETE SET NULL) and
            # drops their reads; deleting a room deletes its messages (ON DELETE CASCADE).
            await session.execute(delete(User).where(User.id == bob.id))
            await session.commit()
            senders = (await session.execute(
                select(func.count()).select_from(Message).where(Message.room_id == ab.id, Message.sender_id.is_(None))
            )).scalar_one()
            check(senders == 22, f"bob's messages stay, without a sender: {senders}")
            reads = (await session.execute(select(func.count()).select_from(MessageRead))).scalar_one()
            check(reads == 0, f"bob's reads went with him: {reads}")
            await session.execute(delete(ChatRoom).where(ChatRoom.id == ab.id))
            await session.commit()
            left = (await session.execute(select(func.count()).select_from(Message).where(Message.room_id == ab.id))).scalar_one()
            check(left == 0, f"deleting a room deletes its messages: {left} left")
    finally:
        await engine.dispose()


if __name__ == "__main__":
    main(scenario, sqlite_ok=True)
