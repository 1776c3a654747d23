from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        COMMENT ON COLUMN "users"."role" IS 'ADMIN: admin\nADVISOR: advisor\nREADER: reader';
        ALTER TABLE "audit_log" ADD "client_id" INT;
        ALTER TABLE "clients" ADD "advisor_id" INT;
        CREATE INDEX IF NOT EXISTS "idx_audit_log_client__956122" ON "audit_log" ("client_id", "id");
        ALTER TABLE "clients" ADD CONSTRAINT "fk_clients_users_9a45013c" FOREIGN KEY ("advisor_id") REFERENCES "users" ("id") ON DELETE SET NULL;
        CREATE INDEX IF NOT EXISTS "idx_clients_advisor_ffe68e" ON "clients" ("advisor_id", "name", "id");
        -- Existing clients stay unassigned. The trail learns which client each entry concerns:
        -- clients by their id, ledger rows (and the buys that were allocations) by theirs.
        UPDATE "audit_log" SET "client_id" = "entity_id" WHERE "entity" = 'client';
        UPDATE "audit_log" AS a SET "client_id" = t."client_id" FROM "transactions" AS t
        WHERE a."entity" IN ('transaction', 'allocation') AND t."id" = a."entity_id";"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP INDEX IF EXISTS "idx_audit_log_client__956122";
        DROP INDEX IF EXISTS "idx_clients_advisor_ffe68e";
        ALTER TABLE "clients" DROP CONSTRAINT IF EXISTS "fk_clients_users_9a45013c";
        COMMENT ON COLUMN "users"."role" IS 'ADMIN: admin\nREADER: reader';
        ALTER TABLE "clients" DROP COLUMN "advisor_id";
        ALTER TABLE "audit_log" DROP COLUMN "client_id";"""


MODELS_STATE = (
    "eJztXQtz4rYW/isaZu40O0N3EvIst9MZIOQu2wT2ErLddulQYQtQY2Rqy3ncdv/7leT3E5"
    "tAMEQznW6QdGT7k3zeOv67MtdVpJnvb5FpYp1U6uDvCoFzxP6IdlVBBS4WfgdvoHCsibHQ"
    "orORaY8UPXBsUgMqlHVOoGYi1qQiUzHwgtrXqfQIApo+xaQOMDUBVBRGDqh+jwj7RVRAZw"
    "gYOoUUkylQZhAToE+AgSYGMmfuQEwBNk0Lme/5VVVdYZdl4zdxgSEZkoEgeWRNNjVSdEPl"
    "VPyX8/zfmaz9QVcgf1JwwG5Bt2gVwPDMYMH+RoQidUjoI1bQu38DBSozxC5JwBzNdeNZ3G"
    "UfqexqOtGewRwbhm6wWxIPaxH8l4VGVJ8idnWDPfLX31kzJip6Qib/+bVimcgYYbXyO+9Z"
    "3I8mGGlqaJVZJ+sS7SP6vBBtrRk0rsRIjul4pOiaNSf+6MUznenEG84g561TRJAB2QMF1p"
    "xYmubsEbfJvm3WQA0Lefer+g0qmkBL4zuHU9t34LdVRqNubzC6bQ9Go0psV7kUgX3gNCls"
    "Y7IdiQk1xfPP4dNIQ2RKZ+znce2bfR0fB3sUv+DnRr/1odE/OK694xfU2ba2N33X6amJrm"
    "9iCkihPYlYAB9mZ+1Hf1JcBO8I2XqAdxt85P1XdGeh96FWDMTBGEEaR/qS9VA8R8lohykj"
    "YKsO6Xv3j12Enj2g2mOsxHnbMqAfdG7at4PGzSd+ublp/qUJ/BqDNu+pidbnSOvBWWSZvE"
    "nAL53BB8B/gt963baAVzfp1BBX9McNfqvwe2LiRB8R/XEE1QBjcFtd1EKrjp4WmM22wqqH"
    "Kfdw1XdklV1MMpeZS9b7lV7uMOUaltnZlXKVN7fKjF2ZtuqZX2BGKVeSmSVb202LTFdNjA"
    "HdITQZ5wBFBGB2zzvII9n9sn++rx2dnJ9cHJ+dXLAh4ka9lvMM0DvdAUOU69iT+0T1j8MV"
    "R/dKNxCekp/RswC5w+4IEgUlgOrYYnfONDsG7jd397it/htmwEfPKAluKvbs7IkRtV/3xm"
    "2rcdmuCITHULl/hIY6CkHNe/SaHmnxxsa75rV5tAUSOBXg8Kfg9xxEPcEydlcj3SzmD5TP"
    "HE7HcrmZV8i2S32j877MzsKV17Jbw5tczbDk0BxirYhI8gj20Gw+zCWJDjNE0WFUFi2gaT"
    "7q7J2dQXNWBOcY4R5ay2d5AD9Lx/ssBrehaygZ5Tax5jG5FFa2HNrXA1oYsDbXLQB2pXF5"
    "0+nWAVTnmAxJ4/Jz57bX578fsKkbQ9JvM/HCGgKzF1yYo7McC3MU1an9heFd4YXBzCJVKH"
    "5IWJ2mzoCHJIWPB+kiKzNmhJtaGpcNva5p0+z1rkNWTbMziGB8d9NsM+wF9GwQtnUKl9H7"
    "gAu37OiBSWycZHOkCs4Y3espxIellqHSJfe2XXIaNOlIRGBWWPgYsfTYlM1jE7N3080zf1"
    "MEg4QRqeZQXv3cR5oInqUbwoGg5I6972m28LdNWrANS8W0TajxXEmwYwO91ewgLxvH38mN"
    "W7RfK4hQTMX92H+JIGYVfK0oGmYtjpegcGSziadvxQD+oVY7Pj6vHR6fXZyenJ+fXhx6Uj"
    "zelSXOm53/cIkeYi3LzeTXdymWjLuvW4fiSn0xX7hPsYeW8PoNLp/l5PbseBR7CPD6oww+"
    "Jy/El0Nk+xRseBUOHTDCgpIzJ08O0UiunMCVCxs20pItl3mTx5JVZpBMUYLN8vG21015c3"
    "yS6FpjhYJ/gIbNjfGuyo8TiwjpD8YW1igm5nt+2Z8KOk7XYcpyiELL7IqIg5vGl6j0aF33"
    "mtH14xM0k8Kr24kGtgRLrCTYUU5PNcuGshnq5mOCf1f8x7Hvs2qbS1WR8GS4VrhD6TyJM7"
    "27U4X59cRuUvwQb0Rg1rBrbr1zO555R/Cs6f5lnPQ146TuouVVpt3xe6hK1w7zhO3YqFRl"
    "WvRFtGkZh95oHJrdhDV3+HleiIM0a8k7KxHIR0d5DO6jdIP7KBbpZ/gUYhEewf7l9NVO8n"
    "CIk3QGcRJF16SQWgkqa77Qvk/9isF9P25dKLjfGnQ+t+vAph6STtdtwSQw49b9SzIImg79"
    "/pqO1kJdcdXDlHLVy7LqCfFQ5+4DbqGQ/ZLTsggTSW/b0qxqB7A4xJtKrC4ZvHnzqsMbK5"
    "RazW4BdO+ur7NyqwMiDJqz0RhqHMwXRvBbbKqmPdMOsq7UKH6QCUw0/fGlKAl30RWbaF9B"
    "UrE5x6bJ5Bx7UAO/dFtdutN5+Qz7CNpM11Q2yQux+mDPsq8gsR5i2jHwFwI18GfaJ7A2mn"
    "HE3sFEJ7ndUc3MM+JD5LGZ/XIHU6zcJ52BS/f2+BR76LBcd26F9LZv2Nv+ZAd0CzncAzSv"
    "6EXbVIw3chIpj8PyLN1heRZzWCqWYSCiFMrACtLsHcQXORC+SAX4IoqvEKs2PIkIL3cKh2"
    "d4Rbx7gw/tflG/cPu/d53Br3Vg/zsk7cEV+zG4GpKbu8Fd4/rqrntZB/7fQ9Lq//pp0Gvd"
    "9fvtbotRhn9zz/Jl+0sdiH/YaH+cN+KKzdZv14H975CIG68D//637oU2kUKTXCbp75hPsX"
    "9hl6NcsuIoQ1YcxWWFdPSno7+bLt80R/9KJ2Ck8V5i471k3CoXVujBTSlbHSVhlrcf0E7m"
    "U+dzNEKsPY8MRC3jpVvqkk/VFzPtE1obzZoMuPuTUifD0YCM/MloBGK9LiL3fBmf2bMtfp"
    "eOoy06jnbHLHw1rXXNhuHYf/EiyipS8BxqyRgHqKKKqk323iHfQbgz8L1stzo3jeuD48Pq"
    "US1SU8LF/iRuEmzl7E3ZYN1wOoDPul+YDeAn8u8YwHkTAkJbq0yl1gLx7tQDFm40fNkhi5"
    "EXf19ejLyLKCDoEcx1gp7BgQIXFA6tw0N0Lv5/rL/jRb4hsGcGOmF/q/CZl+pmjY60iZcg"
    "X8+0vPD4z2hBwfgZsGelsA4QVGbg0WB8BzAL1QSPM0h5qXLn1FEVmDqbgV2WzkQ58oVuUF"
    "HdyGTNE3ZHBoMmrYp4UAnivoZMZSh0bCM+uiqPa5SHd2apWe7Sxd1VKanuzvgsJ9XuctBE"
    "yd8YtHc2ZLGruikmE4fdF1BNfaLtaKabKsuVTy29yK2V6hZdAd0AlYQ3C97UhLasUgcuhS"
    "wiV476BaXjttKGehUNYHdtqEgKbIIdFU+STbelEvNzlxtUDbAw9AesIuP7OVQR4MTPzPbg"
    "RZ6ADZVaF19N4kKDGwf8m0oGmqP5GBlIFRYM5VYN/27S94bFv80Us682cpUh4QSKbjCjCX"
    "IDy45CMUPugc065tcWn4Xiq5XHhGImDTII1EYGmkhf8nZrdweXooDOHqXbQ719/flcPuco"
    "nggRpZWpEGVPhZCamtTUpKZWTFNzc3gSVLRAek+6bhbMJMqjktlAfGcC9r5jUR2KO5rZfz"
    "z5o8r+YVrPfGGxDQDghEk8oTl5RLwis+1zjju61zz3Eo1KzJntibZTVWXBoJLxsyzlTDpT"
    "N+1M/cuCKTVOMx1+QTIZ6l8a6tfNJHU3C2CXRIK7DFymM2v4fyiB/WYCHCSTIC8DGRMmqo"
    "umA/lEEuBlAHvKSX4lIkgirSMZHZA2587bnDGOsAZcvdP1ewprkA2GUO23bwf9TmuwLVM+"
    "eMokwZyPHEJJN+mj516Wm/U94sY9Aqlk3KRG6pSZ2QdwrlsMZdC9u2kzhKpOHGOi6ZCa7+"
    "Km/BrmyzDfnbXLjImEqwwHyURS0Uss+miZ4cB2evHc0lvwmt6Ce/ZYyZ6C5eeYXdoyewwq"
    "zbtf62BsPQ/Jbfv6ug5MpGlDctn53Lls84PLKuaBT6IOycfWpzr4U1nwA8qDNueEvPQle8"
    "GQSYfkqt1md4TQkAwaX9gegE9sxk/XHTbIXDBddUiave7dLbuWTiyTXaH9qXfLe1UkXHlD"
    "wuMFl/3GLw12F4+YzlTGkm1FfvvHmWXa4gppi2XwA5XzoGWWjVc7KZD7tTBw4RM1Ho0ENx"
    "tcWwUpiK5PJOHNhpcJi4SkxUxwXZI3lxBaCFgmewvi6lBIWDM97jJwtOHAkVAUmT1XcPcG"
    "ySTTzd7ENlYTQ5+vBLJLKGFeAjOiVEPp3/XI8WWE0Axl5h2V9hdmDna52eb6W4ak1bj9UA"
    "e8jMIqBty6+YpuGUlqcs6V8KhfsRTZHBLLMX4LrMRNo3vH18GmHpJP/R634/t1L4G5BKux"
    "1ezYkvGdTSfHEj3Jb5FRr1NP9FvsAbanuUqwnWaUYDuVJdhk3jGfQn5rZd9W3cUo81srW8"
    "imKBtHlckUJUVVJlNsNJnCD/tvM5uiZNxg55MpAsUo074g4ZWqXPIZiZFfHDPXCYnIqU9x"
    "SsE10Zw6OvxIKfTCr2DBOkymt7P5dIN1CH9M4gmJdc6dmGLh7Xs3wI2eRnZaw0tOnTbx9K"
    "1kK/xQqx0fn9cOj88uTk/Oz08vDj2eH+/KYv7Nzn84/w+pRC/JaUhGfxfyGFa0CtefKeC+"
    "C4mWQZpjYyTzBeoy3rqST/roMLdTmlhz/vhJZfkzIQ7RvU2U83v+mUDV55isAHOEUgKdDX"
    "SWUz8lhLUFR/4OSzLp3EyHfjfdXHmcm/LQ0MY9MvIUxgsdB1uup9BERJnNoXHf0h8Y7mKz"
    "xNwH8UHVLC/C2B3OYAmMX+pLGPCiU/CZ19v1pgAm4hW0wCNkzeY9UvkRC0xNYAtAMNGNul"
    "cB2MQqEunWusXLUz1AzUIxr8JGrjIkM6gCohMEqA6m+AGBAwhmuoYZTZVdiM2AhPfCudIY"
    "TSF5J4ppYcorbBGdOpeGU7aP0jwWeb0S9mUKaRQopY7iihpFib4duS59IqMQA9/oTEtISU"
    "ZKNZejdG/aZnbBSEyaWwphcs7cmwJQmhEbNiNktDwd+t00I9Ki5TGVd8vqWR/SbNWs7zC4"
    "PGoZ31a54zseGS9UZY01bM6YkiK0Hu/rC3XQuuwASFRw277utHgdq3+JSMzYMjFBpgmEGt"
    "T51GqIvoRQzyYuMyRM7RJal/isAzgQ76BoODIp0746zd7n9u2nhtD1FE03M2pp+fqRjA/t"
    "Tnxo+3rwtvmyPE1aPkXNs0wLuNQ9mrdYLGipN70k8jr4mcukKuLhr2BmlBCPfnkzX1ELQW"
    "YLMlGKwqklKUQmF3H2hIBbTE4qBXrAumUCk+rMhgqIwFh9i/VNnZ2HIYXr7ghXyftX8XLw"
    "F6Eg7/doJO9fEkm12dBooRTNvQgTvsWA9WGR/AsZWpOhNRlay9QFr57SnDZOT6YGOHkq5q"
    "aJ6mfetzDBAmIDHPxh27V/gLvby2b/us4/bYlN4T1RdbYHjIS6ZmubVTpU9kbnkw4V6VDZ"
    "tsYSV6qNZNAyFb4U3N6ISr1E1yuJP6Vn0bH+9FEfJ4lRvzNTkv6pj0e6GJpLlqbjvDwd42"
    "swXfB3KcFKKcH4fkhagXQJ5lPsowTLVUzgKKOYwFG8mMDEIl7l3rwoB2kkzvlwhsY0QRf7"
    "eNvrptjgzvio0MMKBf8ADZsbMxQrP7rrC8YW1igm5nt+vZ8qry8GOT6h3AMX44Obxpco/K"
    "3rXjOaVMAnaEaWgku7YovhU5RjOfhl92Y5uJBPUAnTV8MjkIux9sWQxy/ShcRu5k3lOn5B"
    "KZovaJGvuQdJ5OfcEx3EW6ovgAyszCpJtQXsnmpmXQF/zCbNr0IG11uxtjb2OYEHZJgFVf"
    "wAyR5q+LXT0xwaPhuVquGLvoiGz16qAgg7w/cQ3Y3YT+yKNLGiULqeGCB5fU1xO27DtemE"
    "WxVm3/4PhmKnYw=="
)
