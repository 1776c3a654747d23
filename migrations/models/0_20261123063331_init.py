from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "users" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "password_hash" VARCHAR(60) NOT NULL,
    "role" VARCHAR(16) NOT NULL,
    "is_active" BOOL NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "last_login_at" TIMESTAMPTZ
);
COMMENT ON COLUMN "users"."role" IS 'ADMIN: admin\nREADER: reader';
CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "user_id" INT,
    "action" VARCHAR(16) NOT NULL,
    "entity" VARCHAR(32) NOT NULL,
    "entity_id" BIGINT NOT NULL,
    "at" TIMESTAMPTZ NOT NULL,
    "changes" JSONB NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_audit_log_entity_4c32c6" ON "audit_log" ("entity", "entity_id");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSONB NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztmW1v2zYQgP+KoE8psAWOnNheUAywE231ENtDorRDuoKgJVomIpGOSDU1uvz3kZRl6s"
    "2qVTiZ4/WbdC/i6TnzeGd9NUPqoYAd3zIUmefGV5PAEImLnPwnw4SLhZZKAYfTQBnGwkJJ"
    "4JTxCLpcCGcwYEiIPMTcCC84pkRISRwEUkhdYYiJr0UxwQ8xApz6iM9VIB8/CTEmHvqCWH"
    "q7uAczjAIvFyf25NpKDvhyoWRDwn9ThnK1KXBpEIdEGy+WfE7J2hoTLqU+IiiCHMnH8yiW"
    "4cvoVq+ZvlESqTZJQsz4eGgG44BnXncKtMwEYDxxwI3tAGA2AORSIuGKUJl6e1+G8LN1ct"
    "o97bU7pz1hosJcS7pPydIaTOKo8Iwd80npIYeJhWKsoaIQ4qDM9WIOo2qwa4cCWxF0kW1K"
    "cn/hhvALCBDx+Vzctq1WDcr3/euLd/3rI2H1Ri5JxQZItsV4pbISneSt+S4gY4808sAcsn"
    "kTziXH3fBOBRq43sEvTryzDfDOZt6dEu6ICptKyjaJQ0V6KAKCxEUl4qnvy4E2IwS9pOo2"
    "gG32L0fD8bkBvRCTv8m13b+0r8+NzLMapuGks0UaTjob0yBV+TRgBsTxgD9X5GJABWZINl"
    "TtrF8hD1Ph+FyJSIvOM/zia9AOJpMr+eSQsYdACYZOgfHtaGAL9gq9MMIcZcu6Bu6K7Ask"
    "APIy8Uuh4ThE1cjzngXm3sr1OL14jSVHbowJCZarPNckxBmO7BunP/ozl5XLvmNLjaWky4"
    "L0qLgv1g8xPgydd4a8Ne4mY1vhpYz7kVpR2zl3powJxpwCQh8B9DLnYCpNqeWyHkDGQUB9"
    "TL4j8SXnHeR+FfS+pP6VpDplUsq1bIVn95m+TQqm0L1/hKIxKGmoRTfZllWhFRYlkEBfJU"
    "nSlHGuJoN+7GFuEx4tzYq5IaOtnR6gtJM/uGefID6aiHDMVTzJFRDjwKdGg8UA+/+X2eIX"
    "y2q3u1ar3emdnXa7Z73Wesgoq+qmjcHwd3ky5bbItycQOVWCRrNdxuPbSdj/KrWbEU8DlR"
    "2UiKDBrKE9DnDI2H13q6vL1kPz2uMAAbetrcbmmqm5GnBlUairyzm376oMewf6BSt0poA0"
    "7iV/DA/71VFuMzy4c0h8xMqp/uNmMt4wK2qXYq6xy41/jACzZ9tm5ttZTNRBZUxjHHBM2L"
    "Fc9teGf5/sYnqQiHJpTqvZ0aj/V7HQXVxNBsX8yQcMxLbblw4fRdidm1XdfaKp7+y1zY8P"
    "A6+ra9zcln9GEWvYRmZcDrDNsc7OtuhzhNXGRkfpCket2FRNGvXE/ADpnrS2+RYgrDb36a"
    "3S1wCxIkekopupOeK0y8sfcf/NX2GHcZg9/QsnjMtG"
)
