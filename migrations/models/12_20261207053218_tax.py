from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "realized_kept" (
    "client_id" INT NOT NULL PRIMARY KEY REFERENCES "clients" ("id") ON DELETE CASCADE
);
COMMENT ON TABLE "realized_kept" IS 'A client whose `realized_sales` are complete (every write since the table began, or a';
        CREATE TABLE IF NOT EXISTS "realized_sales" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "entry_id" INT NOT NULL,
    "date" DATE NOT NULL,
    "currency" VARCHAR(8) NOT NULL,
    "day_trade" BOOL NOT NULL,
    "quantity" DECIMAL(30,12) NOT NULL,
    "sale_value" DECIMAL(30,12) NOT NULL,
    "proceeds" DECIMAL(30,12) NOT NULL,
    "cost" DECIMAL(30,12) NOT NULL,
    "gain" DECIMAL(30,12) NOT NULL,
    "asset_id" INT NOT NULL REFERENCES "assets" ("id") ON DELETE RESTRICT,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_realized_sa_client__2f7698" ON "realized_sales" ("client_id", "date");
COMMENT ON TABLE "realized_sales" IS 'A sale, or its day-trade or swing part, as the engine realized it (the base of the';
        COMMENT ON COLUMN "assets"."asset_type" IS 'EQUITY: EQUITY\nETF: ETF\nFII: FII\nMUTUALFUND: MUTUALFUND\nCRYPTOCURRENCY: CRYPTOCURRENCY\nINDEX: INDEX\nCURRENCY: CURRENCY\nFUTURE: FUTURE\nOTHER: OTHER';
        -- A ledger without a sale has nothing to realize: its (empty) sales are complete. The
        -- others' are read from the replayed ledger until their next write stores them.
        INSERT INTO "realized_kept" ("client_id")
        SELECT c."id" FROM "clients" c
        WHERE NOT EXISTS (
            SELECT 1 FROM "transactions" t WHERE t."client_id" = c."id" AND t."kind" = 'sell');"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        COMMENT ON COLUMN "assets"."asset_type" IS 'EQUITY: EQUITY\nETF: ETF\nMUTUALFUND: MUTUALFUND\nCRYPTOCURRENCY: CRYPTOCURRENCY\nINDEX: INDEX\nCURRENCY: CURRENCY\nFUTURE: FUTURE\nOTHER: OTHER';
        DROP TABLE IF EXISTS "realized_sales";
        DROP TABLE IF EXISTS "realized_kept";"""


MODELS_STATE = (
"eJztXQtv4za2/iuEgYtmAHeQx0xm1rtYwHac1m0S59rOdLrjQkNLdKyORLkSlcftzn+/h5"
    "RkPSzJkuOH7BAoOrHIQ0kfqfPm4d8109KI4bwdEMfRLVproL9rFJsE/kg21VENz2ZhA7/A"
    "8NgQfbHLporj9RQteOwwG6sMGifYcAhc0oij2vqMefep9ShBhnWv0wbSmYOwqgI5YtY3Qu"
    "EX1RCbEmRbDDOd3iN1inWKrAmyycQmzjToqDOkO45LnLf8rpqlwm2h/yZuMKIjOhQkj3DJ"
    "oyaqZWuciv/y3/8HB64/WCrmb4qO4BEsl9URjo+MZvA3oYxoI8oedZW8+SdSsTolcEuKTG"
    "Ja9rN4yj7R4G4WNZ6Rqdu2ZcMjiZd1qf6XSxRm3RO4uw2v/OUPuKxTjTwRh//8UnMdYiu6"
    "VvuDt8y+KROdGFpslqERmsR1hT3PxLX2FNuXoifHdKyoluGaNOw9e2ZTi867A+T86j2hxM"
    "bwQpE5p65h+GskuOQ9Nlxgtkvmz6uFFzQywa7BVw6n9p4gvFZTlJveUBl0hopSW1hVAUVk"
    "HfiXVFiYsCJ1yhzx/iZ+UgxC79kUfp6dfvfuE+Lg9eI3/NTst39u9o/OTt/wG1qwrL1Ff+"
    "O3nIqm72IIzLA3iJiAEGZ/7pU/mV4G7wTZeoAPLoTIh5/o3kIfQq3ahIOhYLaI9AW0MN0k"
    "6WjHKRNgaz7p2+CPfYQeXlDrASvxv7Yc6Ifd685g2Ly+5bczHecvQ+DXHHZ4y6m4+py4en"
    "SemKb5IOi37vBnxH+i//RuOgJey2H3trhj2G/4nxp/JhAnlkKtRwVrEcYQXA1Qi806eZrp"
    "MNoKsx6nPMBZ35NZDjDJnWYuWb+t9HHHKdcwzf6qlLO8uVkGduV4qmdxgZmkXElmVmxuNy"
    "0yAzVxAeguZek4RygSAMMz7yGPhOeFf348PXn34d3Hs/N3H6GLeND5lQ85oHdvhoAo17En"
    "31LVPw7XIrqXlk30e/oreRYgd+GJMFVJCqi+LXbnD7Nn4H4PVk9wNfzCbPw4N0qiiwreHd"
    "6YMO9zbw7azYtOTSA8xuq3R2xrSgxq3mKdWokr876LTeapmbyCKb4X4PC34M8cRT3FMg5m"
    "I9ss5i9UzBzOxnK5mVfKtsv8oot+zP7EVdeyW8OXXM+x5IiJdaOMSJoTHKDZfFxIEh3niK"
    "LjpCyaYcd5tOCbnWJnWgbnBcIDtJbPiwB+no33+QLctmWQdJQ71DUX5FJc2fJptwe0MGA9"
    "rlsC7Frz4rp700BYM3U6os2LT91Br89/P+iOZY9ovwPiBS5ERi85MSfnBSbmJKlThxPDm+"
    "ITo4NFqjL9IWV2WhYAj2kGH4/SJWZmDISbmpqADW3XtGn1elcxq6bVHSYwvrtudQB7AT10"
    "0j2dImD0IeDCLas8gMTW02yOTMG5QLc9hfi40jJUuuRet0vOwA5TRARmhYlfIJYem6p5bB"
    "bs3WzzLFwU0SBhQqr5lJe/9okhgmfZhnAkKLln33uWLfx9kxZs09V01qHMfq6l2LGR1np+"
    "kBf68W9y4xbtlxqhTGfieby/RBCzjr7UVEOHK76XoHRks6XfvxYD+B+np2dnH06Pz84/vn"
    "/34cP7j8dzKb7YlCfOW92fuESPsZblZvL2XYoV4+7r1qG4Ul/OFx5SHKAlvH6DK2Q5hT07"
    "c4oDBHj9UYaQk5fiyzGyQwo2bIVDR4ywqOQsyJNjNJIrp3Dl0oaNtGSrZd4UsWTVKab3JM"
    "Vm+WXQu8n4ckKS5FzrKkP/RYbubIx31f41camQ/mjs6gbTqfOW3/bfJR2n6zBlOUSxaQ5E"
    "xNF183NSerSveq3k/PEBWmnh1d1EA9uCJdZS7Ci/pZ5nQ3kMdfMxwb9r4et4z1n3zKW6SH"
    "iyAyvcp/TfxB8+WKnC/HqChxQ/xBcRGTXumlvv2L5n3hc8a3p+GSfdZpw0mLSiynTQ/wBV"
    "6dPjImE76JWpTIu2hDYt49AbjUPDQ7imz8+LQhylWUveWYVAPjkpYnCfZBvcJwuRfsCnFI"
    "uYExxeTt/puyIc4l02g3iXRNdhmLkpKmux0H5IvcXgfhi3LhXcbw+7nzoN5FGPaPcmuKLT"
    "yIg79y/JIGg29IdrOrozbcVZj1PKWa/KrKfEQ/2nj7iFYvZLQcsiTiS9bUuzqn3AFiHeVG"
    "J1xeAtmlcdX1ix1Gp4BHRzd3WVl1sdEWHYmSpjbHAwXxjBb8NQLW+kPWRdmVH8KBOYGNbj"
    "S1ES7qJLGOhQQdJ0x9QdB+QcvKitv3RZXQTDzfMZDhG0qWVoMMgLsfrZG+VQQQLtwtD/Dx"
    "aWg42XLqu+P9YAGwfLrqCFOl7OwAvRGoYjHSpYujmzbPZCnLpikBZm6vSQcCoVfUn5Xr+R"
    "WYqxFADbo2Rowf+Kf7S/+uMdhnL3vWzuH0jD1HCV11DPzfjjXeQGtsMKzDBd/Za2GzXb7x"
    "pSHGDoYN1ZTjLuteG415OXWlEq9BWh2aI/u6Qne0WUz4uEDs6zQwfnC6ED1bVtQtVSuZBR"
    "moOD+GMBhD9mAvwxia8Qqx48qQgvD8/ER9gi3r3hz51+2QhN53/vusPfG8j7d0Q7w0v4Mb"
    "wc0ctut4HgfyN6fTe8a15d3t1cNFD494i2+7/fDnvtu36/c9OGMeK/ebTnovO5gcQ/0Dvs"
    "N+9xCaP1O3Ab8e+IildooPBNdh4ZcojK0tyY2V9bSHF4odCTQlLjJEdqnCxKjW/waqt+bA"
    "HtFj8znhxItLLf2VV3MOzA9+NR86/rc+dC6d60e9ew/ic63E7RqWqZZESH/U5zcNf/nS8G"
    "gh3XfuZfCv/6Jq73urv/Ljwupxrw78sY5XyIrQazLc/rVGYGb3sDBWatedFroJnlAJRPWL"
    "NG9LbfmV+2SXC1e3N51Ww3ezzSPTGwii1vDmGQ/qU3kTCGPeHc9YpHtfptMYQJz6KbxFbF"
    "KM12rzPg4XN4XsGRB3yt6I7g0/A3YRP+9+dhp9/lu+bJEyO2zrfNt/td4MUNJN4ARmo34R"
    "nhJ4bnq8YKYjA8TJGZ6lDI20UfJ9ziNvr5lf3dR09ss1Sq9JzgRYnSFZNp28iIltklxZjM"
    "fuYZZGWXrLTtWkaMZMRo7XjtKmJUTVafjxV5CPZ9rI6S8Nh3Hshebnoslg2AdeNZsQlz7Z"
    "cuqQs+VF+MdEhobXRrUyQnJ21/UzxlJ2eTUzJNaL3Ro6AIBB957nb8Q8aUdhhT2h+P8dbc"
    "WGv2GY/DDy+h3BNVN7GRjnGEKqnYe2RvffI9hDsH34tOu3vdvDo6O66fnCYM1gD7dws+wt"
    "1skK8arBvO2Q1Z9wtTdsPdtnsGcNGs3djSqlI95EhSauYu6CBlddlOaGWeJLv8xKAbwhAl"
    "j8i0KHlGRyqeMTxyj4/JB/H/M+sNP4kHI29kZFH4W8PP/DwduOhLm8VzgtYzLD8diCcaof"
    "EzgndluIEIVqfo0Qa+g8Cid9DjFDN+npBfGqCOHAtGgNuyqTgziCeDiRKkDlyewBPZAE3W"
    "UT9RJYj7ZnKVodje6sXedbmnujq8M0/NCqZu0b2XsR/V75/n1NtfDpoq+ZvDzt5mM+yrbs"
    "qjTx67L6GahkS70Uw3VTu3mFr6sbBWarlsBXQjVBLePHgzd53k1SMLKGSl52oUGasct5U2"
    "1FY0gP21oRL71FLsqMWdbNm2VOomuuUGVRPNbOtB14j9o4k1gjjxM9gevBIr8qDSGuJoUy"
    "40uHHADz61iUnMMbGJJiwYxq0afrjpj7bLD1BdsK82cpcR5QSqZYPRhLmB5UWhwJB7gFHH"
    "/N7i7FY+W0VMKJHUQrGh2GQifcm7PWAnOhUldPYk3QHq7etP9Q45R/nEkSStTB2peuqI1N"
    "SkpiY1tXKaWpDzlKKiRdKhsnWzaOZVEZXMA+IHh+f/6qKEK3c0w388+aMO/4DWY85cWAAI"
    "T0DiCc1pTsSPTfF8zouO7jWPvUSjEmPme6K95GxZ1bNi/CxPOZPO1E07U/9yccZBBLkOvy"
    "iZDPUvDfVbTpq6mwdwQCLBXQZukEZbEuAomQR5GcjePq7SMZeASAK8NO4yI1QxrLSc3Uwt"
    "IkYjC/ilHJcRaHzFMY2SSJNThlykIb/3hvwCR1gDrvNqRgcKa5QNxlDtdwbDfrc93JV/JF"
    "ZlK8VJkqzCle0pWSgAVtxdgh6nlkPQ1/gOrq8I20S4NDhY6IjHhp79jDwHdCEi/Bvi/mhM"
    "7jGtI8tGC1uXN3OXEbUJP5xHqyP+vryT+eafoq/F/SnOD2Jc7oBGE9syeYtu8zRBAz8TDR"
    "lEuyc2csHqM/w2Sp7YiOZ6aIpGtioiVA7Ql1Ji++biZ7tcIAXl8TYujnY6NZvyKq+FE4ot"
    "nzmcMNgSWoATzjeiFmGFvLPgLTpzeIbyj0ChEX7BeQQw0QzbnpOX8xhC73Uq2Iu4E4+VH/"
    "HrYwwczprwPil8cN23GFGR/mzwbGpumv7I8BPCM9dOZGC/RX3C+RojdM4MEcE2TK/DkCYy"
    "AHyWyyxXnZLMvOk8f3RstYjcWOmYrjYzjefxpZ8tmpvId4jniq7NspTp5jLdvIIREpA7ip"
    "A7ixDn1vSJ0W2xpM9uluYaK/rIkFQ5prCSv5mrVsoDNtyyTv04oQR6GdAz21IJ0VL8+rkw"
    "R8kkyDLAukNw72HokuAGJBLcZeDKEJUMUVUXVRmikiGqqsJa2RBVtLpcil82UXwu2y2brH"
    "e33Cnbo8F+p0gJCZ5K6wVvjrBpuYAyAlOsAwjV/f1LE8PCzHmzmMK7hvFy0nb9ucvdC7VB"
    "hyn/5tKyg9cxtnTGbtMZu1/V1ssDXWvd/d5AY/d5RAedq6sGcohhjOhF91P3osNrqGs63/"
    "BItRH9pX3bQH+qM16te9jhnJBX64YPjDhsRC87vDA74fXYm59hDeAnGPH2qgudnBnoqiPa"
    "6t3cDeBeFnUduEPntjfgrRoRKfwjyvcJXfSbvzXhKR51NtWAJXuK/O6rb0v/8Qr+4yo42y"
    "qWhVjAxjt9V6Lmw8zWS1fSm9NIcPPB9VSQkuiGRBLefHhBWJT1XAYkr64QTClgQfaWxNWn"
    "kLDmOoJlOHTD4VChKII9VzZsFCGTTDd/EXtY8cSjlUAOCCXMS2AmjBnETPViFjMe4yNUmX"
    "fUxIFKN9xsC/wt/AClwc/8/CRnuooBt26+Yrl2mppccCbm1Fs8c8vE1PWN3xIzcd28uePz"
    "4FHzw7Z63I7vN+aFi8B4v77t9bnpLo7srsDs7LRKTsX40KaL5BBNZ2nbWXOzjUIieXpYiV"
    "wjynMsYHE+6CSl5mUu4klSiXsJ3ANWp6xkv6dQS2UnX9mhVppzNOeccCvVOXoADPt9oQNf"
    "3+cc+Pp+8cBXeR5eNvqHW9TMnWkrznqcUs56VWY9wCgy7Qunhu0iZatqHFVmbFUUVZmxtd"
    "GMrTC3aJcpWxXjBnufsdUVbpYWZuq0lpKxFW2u52Vsee6awjtoJ7oR7LjnW/T9/Kq6t+WU"
    "b3mdedYlYpb4qVqmqbO0SosrjhScIuTVww76WBPkFRWwrUd0xLM8vLOExAFDXyl5/CpaxP"
    "5X502dlylADq9XoDOEqQa/Ca2PqPenOIMouCHQWIWLBWSnfskSjhUTOnWUnZwFC9JM04+L"
    "+XVD6kp711tnyk3np16722w3ew00PlMoubdUHavYGlFove59AsXzZjhvN60HnQcOvB7tZn"
    "/Y6fabSnvwiXvkbUZ0Gyuq87CK73f9qVWcvyjiR+o8ZiQCRImqPH0rOhJO378vgDP0ygRa"
    "tCXCIAwzNyXlomAYZE69xTDILPSBlvlmbvudT93Ob41A7sBX0Lu+7g6HnYuGLy98j/bu17"
    "8q8pwXZ+WXQe8ma3tZQJE07nWVof8iQ3c2pkHX/jVxqcgbR7zkD9Op85bf9t8lp2gdzkqO"
    "UMyuD2A+um5+Ts5A+6rXShrsfIBWsuSnf4hj0ckI+ldjKvj9DmYqAvflOCXlJtt0jxFJh0"
    "iKQ2SOkEJMrBtl5G4a7eG58c9Oi7jxoVcmmxdt0o1/2A7dQmeTBMpGSS6WIJN8LIWPRTBa"
    "gZOlUkteVoyXzcFbgZslaNfAzyo2AXvCvlLiUYv8yy9VV0YjjpC8SCnen1ndjPYr41Yybl"
    "WdAEtlT7USga3OA6GpNZsjrfW88IoXPyK8Y/HzrRJndvqRDi9/jJc3tmx+/tQRnm+iRTNo"
    "cEAnIV7lZG9r7BvvB00Jvqz7FiOq83l2TW+zvU00Yoo3QpghEzMXePczOvrqJb999YI3E5"
    "1iA8GCZUjsHczZfT+PVgZ7n8mT4u14T0RgSgVKWvr9a4mV/OP09Ozsw+nx2fnH9+8+fHj/"
    "8XjO8Rab8lhfq/sT534x2fOS7e7p6O/DFvcVFef1e3qDbyFVYc7KcVfkVvKG3Iq7UgbvyX"
    "HxFF6QCPD6ll0S4hjd60S5eJ40iGfLBFlaHuYEpQQ6H+i8/V4Zuxt3sMdrjyWZ9GVnQ3+4"
    "vmxZT3Lj/ghZoK+YNyIz3XPHzogWoerUxPa3tvUAuIvFsuCTWOxUz3NNjIPuAEuk/1IHxR"
    "BMdw0/Owij+RDIIbZOHPSI4bLzjWg8I5MnUXoCkKd4NqA/kCGdOrpGRCUuy2VwcV6YO+aj"
    "2MhdRnSKNUQtyg9BQff6A+Eujqll6EBThxvBCN5hVP6dxGlUb+pwA54pqjtAy/xbY14w+K"
    "WHSHm3KaVRzCnWo1Hs1jmxEX0i52xuvtBBS8ioU5FpLifpXrXNHICRWk9lKYTp5VReFYDS"
    "jNiwGSH3OGZDv59mRNYexwWVd8fqWR+zfNWs7zO4ImoZX1aFg0Zzsh8cNHPHhu5MQUkRWg"
    "/iYRiuFTVQ+6Ir9rsMOlfdNihJ6H9EXGfsOjoljjiwro66t+2maEsJHG3iNiPKdwBxrUsc"
    "dYeOxDcoLpw4PMTUbfU+dQa3TW9bjmE5mftxvkT0Ixkf2p/40O714F3zZVlouHqK2ipnTb"
    "3qY6aWetMrIq8vsG489wlz7dTjDqLNubJa4x0VW/Qscd6BIPMEmTilAOQm9zsJkclFnDcg"
    "4hZTuMvVch3kMAtsqIgIXDj6YH1D5+dhSOG6P8JV8v5VvBz8QyjJ++c0kvcviaR6bEiZqW"
    "VzL+KErzFgfVwm/0KG1mRoTYbWcnXBy6csp43fkqsBTp7KuWmS+hkKKrmjGdZtdPTVs2u/"
    "orvBRat/1eAVUnRHeE80C9aAnXLk1dpGlQ6Vg9H5pENFOlR2rbEsKtV2Omi5Cl8Gbq9EpV"
    "6i61XEn9Jz2dh6+sUap4nRsDFXkv5pjRVLdC0kS7NxXp6O8SWaLviHlGCVlGB8PaTNQLYE"
    "CykOUYIVKgF9klMC+mSxBHRQ6KUMylEaiXMxnLF9X6r4T9BfFv+J5R6sY/szl3blJiOkqM"
    "Z0HFRZLC7kU1TC7NmYE8jJWPtkyO0X2UJiP/OmCm2/YIxv1k7hidk+4gjJ9nzEmzrQcSMO"
    "4h0VLSC2nl4Q2m+p5xYrCPts0vwqZXC9FmtrY8WMH4jtlFTxIyQHqOFvpAYu/6hKIOx3P0"
    "B0N2I/wR1Zaj2dvGK2c5Lta4q7cRuuTSfcqTD7/v/n9SnL"
)
