from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "clients" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "name" VARCHAR(200) NOT NULL,
    "email" VARCHAR(320) NOT NULL UNIQUE,
    "document" VARCHAR(11) UNIQUE,
    "phone" VARCHAR(24),
    "status" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_clients_name_382a6b" ON "clients" ("name", "id");
CREATE INDEX IF NOT EXISTS "idx_clients_created_62088b" ON "clients" ("created_at", "id");
COMMENT ON COLUMN "clients"."status" IS 'ACTIVE: active\nINACTIVE: inactive';
        CREATE TABLE IF NOT EXISTS "assets" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "ticker" VARCHAR(32) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "exchange" VARCHAR(64) NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "asset_type" VARCHAR(16) NOT NULL,
    "sector" VARCHAR(100),
    "created_at" TIMESTAMPTZ NOT NULL
);
COMMENT ON COLUMN "assets"."asset_type" IS 'EQUITY: EQUITY\nETF: ETF\nMUTUALFUND: MUTUALFUND\nCRYPTOCURRENCY: CRYPTOCURRENCY\nINDEX: INDEX\nCURRENCY: CURRENCY\nFUTURE: FUTURE\nOTHER: OTHER';
        CREATE TABLE IF NOT EXISTS "allocations" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "quantity" DECIMAL(24,8) NOT NULL,
    "buy_price" DECIMAL(24,8) NOT NULL,
    "buy_date" DATE NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "asset_id" INT NOT NULL REFERENCES "assets" ("id") ON DELETE RESTRICT,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_allocations_client__b29360" ON "allocations" ("client_id", "buy_date");
CREATE INDEX IF NOT EXISTS "idx_allocations_asset_i_e91682" ON "allocations" ("asset_id");
CREATE INDEX IF NOT EXISTS "idx_allocations_buy_dat_460a91" ON "allocations" ("buy_date");
COMMENT ON TABLE "allocations" IS 'One purchase lot. Quantities and prices are NUMERIC(24, 8), never floats.';
-- Written by hand (Tortoise models cannot declare CHECKs): the API validates these too,
-- the database refuses them even from a bug or a manual insert.
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_quantity_positive" CHECK ("quantity" > 0);
ALTER TABLE "allocations" ADD CONSTRAINT "allocations_buy_price_positive" CHECK ("buy_price" > 0);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "allocations";
        DROP TABLE IF EXISTS "clients";
        DROP TABLE IF EXISTS "assets";"""


MODELS_STATE = (
    "eJztW21zokgQ/isUn7JVXioaYzzr6qp8IbfeRt11cW9fskWNONGp4GBg2MTay3+/mQHknU"
    "BOjbJ8Unq6h+Zp6OlnGn6KS30GNfN0YkJDbAk/RQyWkP4JyCuCCFYrT8oEBEw1rmhRDS4B"
    "U5MYQCVUeAs0E1LRDJqqgVYE6ZhKsaVpTKirVBHhuSeyMLq3oEL0OSQL7si371SM8Aw+Qt"
    "M9XN0ptwhqs4CfaMbOzeUKWa+4rI/JFVdkZ5sqqq5ZS+wpr9ZkoeONNsKESecQQwMQyKYn"
    "hsXcZ945l+leke2pp2K76LOZwVtgacR3uVPFk4mKMhzJykdJVhQxB0Cqjhm41FWTX/2cuf"
    "BbrVq/rDfPG/UmVeFubiSXT/apPWBsQw7PUBaf+DggwNbgGHugwiVAWhTX7gIY8cBuDELY"
    "UqfD2LpIHi64S/CoaBDPyYIentfOUqD81B5337bHJ1TrDTulTh8A+7EYOkM1e4zh7eG7Aq"
    "b5oBszZQHMRR6cI4bbwdsVeIB7T/DeEW9kAbyRjHcjArehU51YlCVsLTnSfeoQwCqMIO7a"
    "7g9o0YBgZmfdHGCL7d6gP2wJYLZE+AaPpXZPGrcE31w5w1BtZAhDtZEYBjYUDAMyFbo8oB"
    "8xsejoFGaAE7K23y4Uhyk13FUg3KSzgzs+BdrOaHTNZl6a5r3GBX05hPFk0JEo9hx6qoQI"
    "9Kd1D3CVRp9CogASRbxHRwhawnjIg5YhzGeO6an75xhTDnswRlhbO3FOCYjcH0gf5fbgfS"
    "AqvbYssZEal65D0pPwc7GZRPinL78V2KHwdTSUOLy6SeYGP6OnJ38VmU/AIrqC9QcFzHzr"
    "oCt1UQtEXQMmUTR9jvALAh8x3kLsHacPJfRHEmoXk0isWSl8e+er25hgCtS7B0ALg8iIXt"
    "OTdKNDy9oyLAEYzHmQGJrMT4cZtK0ZIhImxlqM4Q2+0VT2AJgeu+F2ziC+iRATRLg/9j+F"
    "0oHvuYhFB81/FW7xe612fn5ZOztvNC/ql5cXzbMNyYgOpbGNTv8vtjIFHpHnGQhjlUoubu"
    "ezeD4Ih5+ltkPxPEBZBUU9yME1PIsCkoztV7dedslMmjcWBQT4vJaJNqew5niAY5NCWl4O"
    "mL0oMxwc0HvM0L4EkruWLMnDYVWUWciDugB4Ds1oqP/+OBomcEXPJBxrpBLhX0FD5s4eM/"
    "GPWwvzhUqYWkgjCJun7LR/5tw+2QZ7YBAFwuxms5NB+3M40XWvR51w/NgEHfrYHUiF39UQ"
    "TZ5iTHXvjKRW9irX2X1n4KfoXY7tZ4UX40wNPq4otCY9yeZqnStxpnfvVE4KHqmT/IA/Eb"
    "5Zg7sh/3PuspOxz06Ge0Nkrclc/QJWZLWzLBvrVCuxJuNjoaKs7BTttFNEnbCWTq7NCrHf"
    "5kUoh6nwAYFcrWbhbdVk3laN9OIoPrlSxMZgK9geVoqoZ8kQ9eQEUQ+jaxJArJhyMlvzzb"
    "PeY/vN6zXlar915f4nqSXY1je4P3QlCPtmfPVtirInlAx9cWmdtZq9MOpByzLqhxL1mPYQ"
    "9z4Hd/Tt7WiargLCuUzk/ug4xlfvxlADCXvCbttnM9ER3glP7r3vSv2Y7qyNZpowlmPbA5"
    "XU5hlTKd+9KxZjJUi9s9/YyVqQehYF5FTb7iKUGwI73hB4tPeDc+0J+Gz2WOjvaos49Dpj"
    "Fk7VSOZUjQinUi3DgFjN1Wv02xQO4mYGhJuJADfD+PJl1YYnFuHneWtwhj3iPZLfSuO81F"
    "X6MOnLX1qC/XuDJfmKHshXN3gwkSft66vJsNcSvP83uDv+8l4edSfjsTTsUsvgMSO/Pelz"
    "S+A/VNvT22hc0dnGlBzbvzeYO94SPP9fnSibUCV6rnXYsyjezlA101pRTVkrqtG1otyLSE"
    "b/OFlp0l5EyUqPjJV6iMVR0wCeKfw0GMBnSao4wlBYWQatBk0oaDo5FT5YgL2/g6ApADwT"
    "VgZS2V8DCsPJQBr3uye1ekVovqkIGP6AhnCr6YCYp+ElZLsz52xK251w5w2kqbVWWF7aZn"
    "/aLje22/Peip/lzsE+dw7u7Ts6hhf0oIqWQIuH128WXkltu1PH/nizZxygPanbH7Sv2WPe"
    "DH1K49Yz9UjJwh4LnipyghywK1HOgDJPPrFlYTLCrk1aQVgweGlBV1bVv2hVXXb4ihz1pA"
    "5fdKsqVzXlNynS6/Bb+1ImUK5nBDVgU6LqoBph/WGQowhf6QZEc/wOriM7rPHc3nsV+cgA"
    "TuL1VGyAhw1nCt5a9PrpVUO7fhrT7EF5qixGU8IWgN30nwuKqz8PJsD6Sh/WQsoTFmLcvo"
    "s9Ukndc/F0yncCjilZVlKY/Q9omDm/3vSZFLF1fXGRpXV9cZHcumZjob4ffahyIOyoFxDd"
    "3TR7dExil/yUL8s8k/1/WfY6fL4Y35A9/QegqPRt"
)
