from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "cash_balances" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "currency" VARCHAR(8) NOT NULL,
    "balance" DECIMAL(30,12) NOT NULL,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_cash_balanc_client__bacc55" UNIQUE ("client_id", "currency")
);
        CREATE TABLE IF NOT EXISTS "client_flows" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "date" DATE NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "inflow" DECIMAL(30,8) NOT NULL,
    "outflow" DECIMAL(30,8) NOT NULL,
    "entries" INT NOT NULL,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_client_flow_client__6e7b4e" UNIQUE ("client_id", "date", "currency")
);
CREATE INDEX IF NOT EXISTS "idx_client_flow_date_62db98" ON "client_flows" ("date", "currency");
COMMENT ON TABLE "client_flows" IS 'Net new money (captação) of a client on a day in a currency.';
        CREATE TABLE IF NOT EXISTS "holdings" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "currency" VARCHAR(8) NOT NULL,
    "quantity" DECIMAL(30,12) NOT NULL,
    "cost" DECIMAL(30,12) NOT NULL,
    "realized" DECIMAL(30,12) NOT NULL,
    "income" DECIMAL(30,12) NOT NULL,
    "asset_id" INT NOT NULL REFERENCES "assets" ("id") ON DELETE RESTRICT,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_holdings_client__ef162e" UNIQUE ("client_id", "asset_id")
);
CREATE INDEX IF NOT EXISTS "idx_holdings_asset_i_bfe958" ON "holdings" ("asset_id");
COMMENT ON TABLE "holdings" IS 'A client''s position in an asset, as computed after the client''s last write.';
        CREATE TABLE IF NOT EXISTS "transactions" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(16) NOT NULL,
    "date" DATE NOT NULL,
    "quantity" DECIMAL(24,8),
    "price" DECIMAL(24,8),
    "amount" DECIMAL(24,8),
    "fees" DECIMAL(24,8) NOT NULL,
    "tax" DECIMAL(24,8) NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "split_to" DECIMAL(24,8),
    "split_from" DECIMAL(24,8),
    "settlement" VARCHAR(8) NOT NULL,
    "source" VARCHAR(8) NOT NULL,
    "external_ref" VARCHAR(64),
    "note" VARCHAR(500),
    "created_at" TIMESTAMPTZ NOT NULL,
    "updated_at" TIMESTAMPTZ NOT NULL,
    "asset_id" INT REFERENCES "assets" ("id") ON DELETE RESTRICT,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_transaction_client__d921d4" UNIQUE ("client_id", "external_ref")
);
CREATE INDEX IF NOT EXISTS "idx_transaction_client__e696c7" ON "transactions" ("client_id", "date");
CREATE INDEX IF NOT EXISTS "idx_transaction_asset_i_14bbce" ON "transactions" ("asset_id", "date");
COMMENT ON COLUMN "transactions"."kind" IS 'BUY: buy\nSELL: sell\nDIVIDEND: dividend\nJCP: jcp\nINTEREST: interest\nFEE: fee\nTAX: tax\nSPLIT: split\nBONUS: bonus\nDEPOSIT: deposit\nWITHDRAWAL: withdrawal';
COMMENT ON COLUMN "transactions"."settlement" IS 'EXTERNAL: external\nCASH: cash';
COMMENT ON COLUMN "transactions"."source" IS 'MANUAL: manual\nPROVIDER: provider';
COMMENT ON TABLE "transactions" IS 'One entry of a client''s ledger (amounts NUMERIC, never floats).';
-- Written by hand: every allocation of the previous release becomes a buy with external
-- settlement (same id), and the derived tables start from them.
INSERT INTO "transactions" ("id", "kind", "date", "quantity", "price", "fees", "tax", "currency",
    "settlement", "source", "created_at", "updated_at", "asset_id", "client_id")
SELECT a."id", 'buy', a."buy_date", a."quantity", a."buy_price", 0, 0, s."currency", 'external',
    'manual', a."created_at", a."updated_at", a."asset_id", a."client_id"
FROM "allocations" a JOIN "assets" s ON s."id" = a."asset_id";
SELECT setval(pg_get_serial_sequence('transactions', 'id'),
    COALESCE((SELECT MAX("id") FROM "transactions"), 1),
    (SELECT COUNT(*) > 0 FROM "transactions"));
INSERT INTO "holdings" ("client_id", "asset_id", "currency", "quantity", "cost", "realized", "income")
SELECT "client_id", "asset_id", "currency", SUM("quantity"), SUM("quantity" * "price"), 0, 0
FROM "transactions" GROUP BY "client_id", "asset_id", "currency";
INSERT INTO "client_flows" ("client_id", "date", "currency", "inflow", "outflow", "entries")
SELECT "client_id", "date", "currency", SUM("quantity" * "price"), 0, COUNT(*)
FROM "transactions" GROUP BY "client_id", "date", "currency";
-- The API validates these too; the database refuses them even from a bug or a manual insert.
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_kind_known" CHECK ("kind" IN ('buy',
    'sell', 'dividend', 'jcp', 'interest', 'fee', 'tax', 'split', 'bonus', 'deposit', 'withdrawal'));
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_settlement_known"
    CHECK ("settlement" IN ('external', 'cash'));
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_source_known"
    CHECK ("source" IN ('manual', 'provider'));
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_quantity_positive"
    CHECK ("quantity" IS NULL OR "quantity" > 0);
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_price_positive"
    CHECK ("price" IS NULL OR "price" > 0);
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_amount_not_negative"
    CHECK ("amount" IS NULL OR "amount" >= 0);
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_costs_not_negative"
    CHECK ("fees" >= 0 AND "tax" >= 0);
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_split_positive"
    CHECK (("split_to" IS NULL AND "split_from" IS NULL) OR ("split_to" > 0 AND "split_from" > 0));
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_trades_complete"
    CHECK ("kind" NOT IN ('buy', 'sell') OR ("asset_id" IS NOT NULL AND "quantity" IS NOT NULL
        AND "price" IS NOT NULL));
        DROP TABLE IF EXISTS "allocations";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    # Back to purchase lots: the buys survive (same ids); every other kind of entry is lost.
    return """
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
INSERT INTO "allocations" ("id", "quantity", "buy_price", "buy_date", "created_at", "updated_at",
    "asset_id", "client_id")
SELECT "id", "quantity", "price", "date", "created_at", "updated_at", "asset_id", "client_id"
FROM "transactions" WHERE "kind" = 'buy';
        DROP TABLE IF EXISTS "transactions";
        DROP TABLE IF EXISTS "cash_balances";
        DROP TABLE IF EXISTS "holdings";
        DROP TABLE IF EXISTS "client_flows";"""


MODELS_STATE = (
    "eJztXXtzmzoW/yoa/7PpjLeTOM/r3dkZxyFbt4nddZx7e2/d8cggx9xgyQWRxHu3332PBJ"
    "iHAUPiB3aZ6TRG0hHwO+LovDj8VZkwjRjW+ztiWTqjlTr6q0LxhMCPaFcVVfB06neIBo6H"
    "hhyLbT4eWM5I2YOHFjexyqFzhA2LQJNGLNXUp9w5T6VDCTLYg07rSOcWwqoK5IizR0LhiG"
    "qIjwkyGcdcpw9IHWOdIjZCJhmZxBp7A3WOdMuyifVenFVjKpwWxq/jBH3apz1J8gxNDjVR"
    "makJKnHk3v/fLGh/YioWd4oO4BKYzasIh2dGU/hNKCdan/JnXSXv/oFUrI4JnJKiCZkwcy"
    "avsks0OBujxgxNdNNkJlySvFmb6t9tMuDsgcDZTbjlr9+gWacaeSGWOPxasS1iDnSt8k30"
    "TB8HI50YWojL0Aldsn3AZ1PZ1hxj81qOFJgOByoz7An1R09nfMzofDhALlofCCUmhhsK8J"
    "zahuGuEa/JuWxo4KZN5ter+Q0aGWHbECtHUDtX4LdVBoN2pze4U3qDQWVhVXkUgXXgNqmw"
    "MGFF6pRb8v4n+GVgEPrAx3B4XPvhnMfHwRklTvhro9v80OgeHNfeiRMyWNbOom+7PTXZ9U"
    "NOgTl2JpEM8GF2eT/4k+t58I6QrQZ4r8FH3n9EdxZ6H2rVJAKMAeaLSF9BD9cnJB7tMGUE"
    "bM0lfe/92EXo4Qa1DogS92lLgb7XulXueo3bz+J0E8v6bkj8Gj1F9NRk6yzSenAWYdN8Ev"
    "Rbq/cBiUP0R6etSHiZxR9MeUZ/XO+Pirgm2E7YgLLnAdYCgsFr9VALcZ28THWY7RVcD1Pu"
    "Idd3hMseJqlsFjvr46se7jDlCtjsrsqSy+vjMogry1E9s2+YUcpX7ZkF4+26t0xPTVwAuk"
    "V5PM4BigjAcM07KCPheuHP32tHJ+cnF8dnJxcwRF7ovOU8BfRWuweICh179Bir/gm4FtG9"
    "ZibRH+gnMpMgt+CKMFVJDKiuLXbvTrNj4P7wVo/X6j9hJn6eGyXBRQX3DndMuPO4N+6ajS"
    "ulIhEeYvXxGZvaIAS16GE1FmmZj13smtQm0RZM8YMER9yFuOYg6jGWsceNZLNY3FA2czgZ"
    "y+VmXi7bLvGJzvowu4wrrmW3gie5mmLJkQnWjTxb0pxgD83mw0w70WHKVnQY3Yum2LKeGT"
    "yzY2yN8+C8QLiH1vJZFsDPkvE+W4DbZAaJR1mh9mRhXworWy7t5oCWBqwjdXOAXWlc3bba"
    "dYS1iU77tKvAZtKto8BcOdlwdJaBDUdRDdpng+gKs0EH+1Pl+lMMLy4ZwIxpgtQO0kX4MA"
    "TCdTHCEzqbNWQuO52bkA1z2epFML6/vVQAewk9DNIdDcIT6z7g0gk7eIL9WY+zMBK3yQW6"
    "zam/h4XeMUsH3M/tgDOwxQcy3vIKxi8Ql/6ZovlnFqzbZGPMXxTBkGBkV3Mprz91iSFDZc"
    "lmbyAEuWPPe5Ll+2Od9mrD1nSuUG7OKjFWa6C3mh7ShXHimVy7/fq1QijXubwe51f+kOWl"
    "/vCzWLa/1GrHx+e1w+Ozi9OT8/PTi8P5hr3YlbZzX7b+LTbvkBRZbv9u3ldYMEG+anVJ6O"
    "/5nNw+xR6auKu3rXzpktllM6fYQ4BXHz7whXYuuRwi26cowkYkdECA5Fa3S/uqWEp3FvtK"
    "HWP6QGI06Y93nXaCOe2TRHmtqxz9Dxm6tbbHrPLPkU3lRoWGtm5wnVrvxWn/ldN5twoDS0"
    "AUYrMnzQ5uG1+igq5507mM8k9McBkX4ttORKpp6ETaEgvavduTqtmrcsz641J/Vfzbca6z"
    "KpVxMYy8iPxHxzZ0Kd07caf3Vqo0Cl7gIuWBfCICs4YdRm+cu4yjbTKO5i2IrDqZN34PNb"
    "LaYZawDoxK1MlkX0QpK+OUa41TwkXYE1fWZoU4SLOSvKQCgXx0lMVuO0q2244WIsGATy4R"
    "MSfYv5yv2kkWCXGSLCBOouhaHHM7Rp3MFvr1qTcY/PUjnbmCv81e61eljhzqPm21vRadBm"
    "bcupuiDJslQ7+/Zp091V7J9TBlyfWicD0mgjYP+eQOoKnYGg+G2BBC+I1RtCZMdenMtIOL"
    "ITGSFnyYRgZ7fitK0ji+hon2FaQxMzSY5I04fXBm2VeQoIdaTpzljUD1/Jn2Cay1BrAti8"
    "R6t5yOamrYWgwpc673y1fEdfUx7gWKZFPQp9hDb8aq43elK27NrrgXJxKTyxsXoNmgib2u"
    "4EwkjT2LN+Ms2ZtxtuDNUG3TJFTNFeUP0uwdxBcZEL5IBPgiiq/cVh14YhFe7jEKz7BBvD"
    "u9D0o3r9NI+c99q/d7HTl/+1TpXcNB77pPb+97942b6/v2VR35v/u02f39c6/TvO92lXYT"
    "KMPHwu10pXypI/kHRvvj5iOuYbauUkfO3z6VF15H/vVv3UVlEZWzXPuwT7F/PtmjTHvFUc"
    "pecbS4V5RewGT0d9MflOQFfJU/qDTeC2y8F0xaZcJKw7oxG5iE2+ZbwboSU3XlTPu0staa"
    "yBPwycZl84RdtikpPVE38WqdH1/dnCEx81xr/la6RLboEtkdg2dj+tiKTZ6h/+BF1DCi6h"
    "NsxGMcoIqqYA7Ze5d8B+FOwfdKabZuGzcHx4fVo1rk5VsP+5NFZVdKlXxvk4Ro9ilrfF21"
    "Z3zRHUY4d/UZP7d0xwBO2tqrkfozoaVVpAo0gaBkYs6vF7Jclvc7mAdJl9dobROOKHlGE0"
    "bJDB2oeMpx3z48JOfy/2P2TtQ+xciZGTEKvzU8ExVModHdbRYrs65mWlGP9ROZcjScIbhX"
    "juuIYHWMnk2QOwhsLws9jzEXFVzdRPgqshjMAKflY1mldcpMLstAWNA8gisyAZqk4qpBJU"
    "hY0anKUChLeXF0tcxSLo7sTFOzPNYtOmISMjzd8Wnul92VoLE7f6On7Kwzfld1U52OXHGf"
    "QzX1ibajma6rfkk2tfQis1bKbP4KdANUJbxp8MIWaupxyWxpL4p6FGW1nYVqO6UNVdpQpQ"
    "1VWWZDeTGPGAMqEA5Jtp6CkZflllPDNV7AzJgyS5evwQrzBf6JOHgV/iCVTaY2LACER5yY"
    "8hMScyJREMmxZBbNpxXPvcTUkXOm2zdOaL98+7Jg8qxauo+3qKJ/t3FC3ZFUNTJIVjqQlz"
    "qQmRWXJ5EGsEdSgrsMXJNgQ/8viRG/qQAHyUqQl4GsU9iq8waZfKIS4GUAz5WT7EpEkKS0"
    "jkqbs7Q5d97mXJAIK8B1/jbSnsIaFIMhVLvKXa/bava2ZcoHs/JizPlI0l6ySR/NE8z20U"
    "rhjZwFA5TCpCbaA5jZB3jCbEAZte9vFUCoiih5gvaRwTC33sV/o/KN86WY7y7vwMgmJsXG"
    "wCSjdEM+RCZDVW+x6CO1moLL6c1zl96CTXoLHuG24j0Fy9/78GiL7DGoXN7/XkdDe9and8"
    "rNTR1ZxDD69Kr1a+tKES96aPqTrhGq9enH5uc6+lOdihc6eoqQhKKOCDxgxOJ9eq0ocEWE"
    "9Gmv8QXWAH6BGT/ftGCQNQVdtU8vO+37OzgXo7YFZ1A+d+5Er0akK69PRar5VbfxWwOu4l"
    "nnYw1EsqPIb//1jzIY/opgeBH8QMVMTE+z8WonOSKKU1PPnac5pynBTQfXUUFyousTlfCm"
    "wwubRUwoPBVcj+SnSzPIBSzsvTlxdSlKWFM97mXgaM2BI6kogj2Xc/UGyUqhm76IHaxGJp"
    "u8CmSPsIR5CcyEc4MkF0nNUGYyNEORZUdF+QLmYFuYbZ6/pU+bjbsPdaS636Pctlxhthmn"
    "JmfkxJx6g6UbJpjarvGbgxO3jfa94IND3aefux1hx3fraGoyYce/6puPK+ZGyCmXYy+N0u"
    "1fWYXVF4ehLM5vkVLfiMX6LfYA29NMJStOU0pWnJYlK37ekhVl4dp95rqHUbRw7bazKYom"
    "UctkioKiWiZTrDWZwg/7bzObomDSYOeTKYJVe2KSKSJFfZKTKRYKCWXLppBkSDWYRWQOhP"
    "sSA/zQkM7FS9piQsSe3LcYpiZ50pltIYvDCtMcyvjEitVNHZtjMV/4TjLDW6rhlF+vFX2b"
    "+HptGcJ+zfvc4kHI6Smd0/yMGcq5vKSOGBpM1bxB1jDhz+iMPqweHZaJ4MXRssvM2jcqg1"
    "t+R7Zj8yF7+ciGcZqg35mqB/7JhgMmh2ZSApOxXf4RhtD3P7+VGlchNS6xHuI4kOx+9ymK"
    "HPB7pQd+LUWjvS8t50E5SFPinA1nbMZVXk7+ALc3vhhf3xbn2+mvbwdZIXa7fMzwKYrBjp"
    "3/GHqk5HZcbkEyN+YEJTNWzowyIJu8SexmaC5LQBZzTiZTnqewVpCkrKwVa9xuxxBrEFNX"
    "x5UYK8ztqaZ+A88fU34Db2OSZc3v4D0R08qp4gdI9lDDr52eZtDwYVTyp9pEX0TDh4cqB8"
    "Lu8D1Edz0fN2KUx4bhk/XEAMnmNcXtuLdXphNudTP78X/AUSbp"
)
