from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "job_outbox" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "job_id" VARCHAR(100) NOT NULL,
    "function" VARCHAR(100) NOT NULL,
    "args" JSONB NOT NULL,
    "kwargs" JSONB NOT NULL,
    "trace" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "attempts" INT NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_job_outbox_created_57c3ec" ON "job_outbox" ("created_at");
        CREATE TABLE IF NOT EXISTS "auth_sessions" (
    "id" VARCHAR(32) NOT NULL PRIMARY KEY,
    "refresh_jti" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "expires_at" TIMESTAMPTZ NOT NULL,
    "revoked_at" TIMESTAMPTZ,
    "revoked_reason" VARCHAR(32),
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_auth_sessio_user_id_287ae8" ON "auth_sessions" ("user_id");
COMMENT ON TABLE "auth_sessions" IS 'One login: its access tokens and the rotating chain of refresh tokens it issues.';
        ALTER TABLE "users" ADD "token_version" INT NOT NULL DEFAULT 0;"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "users" DROP COLUMN "token_version";
        DROP TABLE IF EXISTS "job_outbox";
        DROP TABLE IF EXISTS "auth_sessions";"""


MODELS_STATE = (
    "eJztXW1z4rYW/isaf2l2hmaAEELpnTtDCLlLu4GWOL1tNx2PsBVQY2TWlpMw2/z3SrKN34"
    "mdGAJefwqWdCT5OXo5zzmy8lVaGBrSreNrZFnYIFIXfJUIXCD2I5pVAxJcLv0MnkDhVBdl"
    "oU3niuWUFDlwalETqpRl3kHdQixJQ5Zq4iV12pHGBAHdmGHSBZhaAKoqEwfUuEeEPREN0D"
    "kCpkEhxWQG1DnEBBh3wER3JrLmXkFMAbYsG1nHvFXNUFmzrPw2Grglt0QWIo8syZFGqmFq"
    "XIo/ue//ncXSHwwV8jcFR6wLhk1rAIZrBkv2GxGKtFtCH7GKPvwIVKjOEWuSgAVaGOZK9H"
    "KCNNaaQfQVWGDTNEzWJfGyNsFfbKRQY4ZY6yZ75c9/sWRMNPSELP74WbItZCpYk/7iOct7"
    "5Q4jXQtpmWWyLJGu0NVSpPXn0LwUJTmmU0U1dHtB/NLLFZ0bZF2cQc5TZ4ggE7IXCuic2L"
    "rujhEvyek2S6Cmjdb91fwEDd1BW+cjh0s7PfDTJEUZjWXleiArihQbVZ5EYBy4SSobmGxE"
    "YkIt8f4L+KToiMzonD2eNJ+ddnwcnFK8wd96k/7H3uTopPmBN2iwYe0M+pGb0xRZz6IKSK"
    "FTiVCAD7Ore+VvivPgHRErBngvwUfen6IHC70PtWoiDoYCaRzpC5ZD8QIlox2WjICtuaLH"
    "3o9DhJ69oDZmS4k72zZALw+vBtdy7+oX3tzCsr7oAr+ePOA5TZG6iqQetSNqWlcC/j+UPw"
    "L+CP4cjwYCXsOiM1O06JeT/5R4n9h2YijEeFSgFlgYvFQPtZDW0dMSs9peofWwZAm1fiBa"
    "9jDZqGa+s96/anKHJQtQszsqKy1vT8tsubIc0zP7hhmVfNWeuWe63faW6ZmJMaCHhCbjHJ"
    "CIAMz6fIBrJOsv+/N9s9E6a3VO2q0OKyI6uk452wD6cCQzRLmNfXefaP5xuOLoXhomwjPy"
    "M1oJkIesR5CoKAFUl4vduNUcGLjP3ujxUv0ZZsLHNSkJDir27uyNEXWme++637sYSALhKV"
    "TvH6GpKSGoeY7RNCIp67LxrEVzEU2BBM4EOPwteJ+DqCcwY08b6bSYv1A2OpyO5cs0Lxe3"
    "S53RWSezq7j9ZXYFzOTaBiaHFhDrebaktUAJaXM9005U37AV1aN70RJa1qPB5uwcWvM8OM"
    "cES8iW21kAb6fj3Y7BbRo6SkZ5QOxFbF8KG1uu7O6AFgTWWXVzgC31Lq6Goy6A2gKTWzIZ"
    "sM1k0gWBunKqodHOoIZG1IL21cCzwmrAjH+qFD8k6OLcYDBDkrJqB+UiepgywW0pwlt0dk"
    "tkzsfjTyEOcz6UIxjfXJ0PGPYCelYIOxaEt6z7gAsnrPLA9mecxDBSt8mY3O7M3/pe75iV"
    "A+7bdsDp0KKKiLe8QvEx4co/s2/+mRi7TSdj/qAIhgQju5orefnzBOkiVJZOewMhyAOb72"
    "nM93mbfLVna5gOCDVXUgJrDeTWNod0WTk+J7fOXz9LiFBMRX+cX/lDlud49q0w2x+azZOT"
    "s2b9pN05bZ2dnXbq6w07nrVp5z4f/o9v3qFV5GX+u3tf4Z4t5EWbS9x+z+fk9iVKSHGL51"
    "b+6pLZZbOWKCHAxYcP/EU717ocEitTFGEnK3RgAcltblf8ar+M7iz8Sp1DMkMJlvRP1+NR"
    "Cp32RaK6xioF/wAdW1ubZtJ/7mwiNiowtbFOMbGOebP/zem8K4JgcYhCavZWs6Or3u/Rha"
    "7/aXwe1R+v4DwpxPc+Eam+jpHgEjHr3s3ZaNmrosz241JfJf91nH7WhDHOi6Enfv7R4Yau"
    "pPsmbvXeSBWk4Il1UjyIGRGoNewwemPdVRxtl3E0b0Bktcm88iW0yJr1LGEdVirVJhN5Ea"
    "OsilNuNU7JOmEv3LU2K8RBmULOJe0RyI1GFt7WSOdtjVgkmOGTa4lYC5TvzFezlWWFaKUv"
    "EK0ouhaF1E4wJ7OFfn3pHQZ//UhnruBvXx7+NugCR/qWDEdeCiaBGt/dTVGFzdKhLy+ts5"
    "faK7Uelqy0vi9aT4igrUM+uQNoUNfdL8neGEPrrSs6wJHwPmE0y0KJHNvJqG0MnvEi1cnP"
    "cjFWitX7pGPc6QapL1FCTlV0FKFyCGzZIfDk+INz+QQCMjs09LflIo4cps3CqdrpnKod41"
    "SqbZqIqLlijUGZ0kHcyYBwJxXgThRfsa068CQi/DJvDdewQ7zH8sfBJC91Hfx6M5T/6ALn"
    "7y0ZyJfsQb68JVc38k3v0+XN6KIL/N+3pD/54xd53L+ZTAajPpMMP3PyezH4vQvEH1baL7"
    "cucclqmzBy7Py9JaLjXeD3/92JsoVUauTah32J8nmGGpn2isaGvaIR3ysqX0Q6+ofJStN8"
    "ERUrLZ6VhsIEEOsrxUTUNt8K1gWvaiJqKhNaW+Xw/vhKIvKh0beBzYeHe7a7jZa2yWxni9"
    "9BRI/Brzbkp50wcq4eWppY5T9NBEY3V4PJsH/UbNVA50MNEPSATHCnG5CmXGpUWM05Q/jO"
    "uQH3vNbUXil8FS8ymu8YZ8WeECikn5WfZZd+li/OiE5gURdIxQuoJ8MbFIvaHY7csSt/uK"
    "tnEqAXg/7wqveJT/NO5LM3z/prxQw8Pi3EUpET5JBchXIGlMXik2hEpyPsyWwyn0sGLzN/"
    "Kw7yjXKQKh5aZq2nxUPjjr1c1lRQpEwfDxT3GXbQXM8IakimQvXli53U9XnrMMK5r3byD2"
    "4fGMBpvL4WudwpNLRC1ztN2OrBeKosxZeEAoBdR+tLimtwHUyB9X0+Ugi6qxKcLxFvVrr3"
    "JeZBy+Z/EWJA1Q0L8QuaIQECKeEk4fdBOxUCg/tE+O3NSxM9YMO2gEXZENMcyWQHTHFVJ3"
    "hgPvsj3/FbvOXMR/VZNM/bxWfReWleRfHEnsAmQk4PxFqm8j684H1wliFlqSZRqU0QhwXf"
    "jPOehU+zwFyvNeqZca7Iy9bN7MoYfKMx+M5XqI5tOjWefjKmSZagn7nRDvzbmCqGKJrJCH"
    "zLudrQh6XVRTT7aXHx8ZDvv5f4EiU8M7qVc0DeJ/x5UA7KVDhnwxmas1w3O3jl9+NaB97e"
    "QV/rEFQF3+3yKcOX2A91HPwtG6F7WplIAkVM18ZaoFJG4cqoQrLpm8RhBueyhGQhpWixpA"
    "lrYjq/DYhUFyQnktv3IWI9ZGJ1LiUdhnRyahsPQvplqs8ad7aybPm4Xeod6Okmfvr152Ww"
    "8Junp1m+vjs9Tf/6judFLHw2qXIg7BYvIbrb+V7FIDQxDr/hcjxfZPeW4vu4t8txDd7zvz"
    "orlrE="
)
