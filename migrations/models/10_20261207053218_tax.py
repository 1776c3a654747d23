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
    "eJztXY1v4jja/1cspFfbkZhRSz+PO50ElN6w25Z5KZ2bvWHFmsQUb4PNJk5b3r3531/bSc"
    "h3SCiUQC2Npm3ix05+dp5vP/6rMqU6MqxPd8iyMCWVOvirQuAU8V+it6qgAmcz/4a4wODI"
    "kG2hzSZDy2kp78CRxUyoMX5zDA0L8Us6sjQTz5gzTqVLEDDoAyZ1gJkFoKZxcsDoIyL8L6"
    "IDNkHApAwyTB6ANoGYADoGJhqbyJp4DTED2LJsZH0So+pU48Py9psYYEAGpC9Jnvklhxpp"
    "1NQFlfjLff+fLH79iWpQvCk44I9AbVYFMNwzmPHfEWFIHxD2jDX04e9Ag9oE8SEJmKIpNe"
    "fyKXtI56NRYszBFJsmNfkjyZe1Cf7TRkNGHxAf3eSv/P03fhkTHb0gS/z5vWJbyBxivfKb"
    "uDN7HI4xMvTQLPOb/Ja8PmTzmbzWmkDzSrYUmI6GGjXsKfFbz+ZsQsmiOYdcXH1ABJmQv1"
    "BgzoltGO4a8S45j80vMNNGi+fV/Qs6GkPbECtHUDtP4F+rDIe33f7wrt0fDiuxVeVRBNaB"
    "e0njC5OvSEyYJd9/Cl+GBiIPbML/PK79cMbxcXBaiQG/Nnqtz43ewXHtgxiQ8mXtLPpb90"
    "5N3vohu4AMOp3ICfBhdud++AfDRfCOkK0HeO+Cj7z/ie4s9D7UmokEGEPI4khf8jsMT1Ey"
    "2mHKCNi6S/rJ+2UXoecvqHc5K3G/tgzo+52b9l2/cfNFDDe1rD8NiV+j3xZ3avLqPHL14C"
    "wyTYtOwL87/c9A/An+071tS3ipxR5MOaLfrv+fingmLk7okNDnIdQDjMG76qEWmnX0MsO8"
    "txVmPUy5h7O+I7PsYZI5zUKyPq70cYcp1zDN7qpUs7y5WebsynJUz/wCM0q5ksws2dxuWm"
    "R6amIM6A5hyTgHKCIA82feQR7Jn5f/+Fg7Ojk/uTg+O7ngTeSDLq6cZ4Deue1zRIWOPX5M"
    "VP8EXHF0r6iJ8AP5Bc0lyB3+RJBoKAFU1xa7d7vZMXB/eKvHu+p/YSZ8XhglwUXF352/MW"
    "LO5964azUu2xWJ8Ahqj8/Q1IchqMUdWqORK4u28VvT2jR6BRL4IMERbyGeOYh6gmXszUa6"
    "WSxeKJ85nI7lcjOvkG2X+kXn/ZjdiSuvZbeGL7maYcmhKcRGEZG0INhDs/kwlyQ6zBBFh1"
    "FZNIOW9Uz5NzuB1qQIzjHCPbSWz/IAfpaO91kMbpMaKBnlNrGnMbkUVrZc2rcDWhqwDtct"
    "AHalcXnTua0DqE8xGZDG5dfOXbcn/n7CFjUHpNfm4oVfCPRecGKOznJMzFFUp/YnRtwKTw"
    "zmFqnG8FPC7DQpBx6SFD4epIvMzIgTbmpqPDb0tqZNs9u9Dlk1zU4/gvH9TbPNsZfQ80bY"
    "0Sk8Ru8DLt2ywycusXGSzZEqOGN0b6cQH5ZahiqX3Pt2yRnQYkMZgVlh4mPEymNTNo9NzN"
    "5NN8/8RREMEkakmkt59UsPGTJ4lm4IB4KSO/a9p9nCPzZpwTZsHbM2Yea8kmDHBu5Ws4O8"
    "vJ34Jjdu0X6vIMIwk8/j/CaDmFXwvaIZmF9xvQSFI5tN/PBeDOC/1WrHx+e1w+Ozi9OT8/"
    "PTi8OFFI/fyhLnzc6/hEQPsZblZvLbuxRLxt3XrUMJpb6YL9yn2ENLeP0Gl89ycnt2FhR7"
    "CPD6oww+Jy/El0Nk+xRseBMOHTDCgpIzJ08O0SiunMCVCxs2ypItl3mTx5LVJpA8oASb5e"
    "e77m3Kl+OTROcaawz8FxjY2hjvqvxjbBMp/cHIxgbDxPokhv1nQcfpOkxZAVFomj0RcXDT"
    "+BaVHq3rbjM6f6KDZlJ4dTvRwJZkiZUEO8q9U82yoRyGuvmY4F8V/3Wc56w65lJVJjyZnh"
    "XuUrpv4nbvrVRpfr3wh5R/yC8i0GvYNbfevl3PvCt41vT8Kk76lnFSb9LyKtNe+z1UpWuH"
    "ecJ2vFWqMi3vRbRpFYfeaByaP4Q9dfl5XoiDNGvJOysRyEdHeQzuo3SD+ygW6ef4FGIRC4"
    "L9y+mrneThECfpDOIkiq7FILMTVNZ8oX2f+g2D+37culBwv9XvfG3XgUM9IJ1b7womgR63"
    "7l9SQdB06PfXdLRn+oqzHqZUs16WWU+Ih7pPH3ALheyXnJZFmEh525ZmVbuAxSHeVGJ1ye"
    "DNm1cdXlih1Gr+COD2/vo6K7c6IMKgNRmOoCHAfGUEv8W7ajo97SDrSo3iB5nA2KDPr0VJ"
    "uouueEf7CpKOrSm2LC7n+Iua+LXL6tLrbpHPsI+gTaih805eidVnp5d9BYlrFwb+P76wLG"
    "i8dln13L7uoLG37IrfIZaTM/BKtPp+T/sEVqGoQsI6fESzBCPAA7ZLUJ/y//Ivxl/c/vZD"
    "aflRNKeNc/nEMIxzo5qZySaaqI1Z+xVwYFh7TNplme5P9Cn20CW+7uwdFc/ZcDznxUkZKB"
    "TSCdC8oZ+2oId2RZTP8rjEz9Jd4mcxl7hmmyYiWqEcvyDN3kF8kQPhi1SAL6L4SrHqwJOI"
    "8PKwQ7iHN8S72//c7hWNPLT/977T/7UOnJ8D0u5f8T/6VwNy1enUAf9vQG7u+/eN66v728"
    "s68H8fkFbv1y/9buu+12vftngf4b9FFOOy/a0O5A/e2m+3aHHFe+u1+TDy54DIV6gD/022"
    "HvGwkMaS3HPpX5tPsX8hvqNcUuMoQ2ocxaWGCiqlo7+b4YW0oNJKu62Uo0g5itaO17YcRS"
    "Xj7rmwQk9euufqKEmHRvsJ7eReh3xBAIiN+dBEzDZfu6QuRVc92dM+obXRjOZAKC4prTkc"
    "qcvIbY5GB9frXPP2foqeF1bZb8rltkWX2+4Y1G+m5a/ZpB75H15EuUcankIjGeMAVVSxd8"
    "g+ueQ7CHcGvpftVuemcX1wfFg9qkXqvXjYn8RNqK3siysbrBtO1fFZ9yszdfxNNjsGcN5k"
    "ndDSKlMZxEAuSurmJy9TZdkGqOEiN2b5QQG3iAGCnsGUEjQHBxqcMTiwDw/Rufz/mH4QBf"
    "ghcHoGlPDfdTgXZfT5RVfaxI8HWE+34lAAEYcFozng78pgHSCoTcCzyfkO4Ba9BZ4nkIlj"
    "BNwdgVVgUd4DH5ZN5FEBM2oyWXnM4pfH/IlMDk1ahf+gEiR8M5nKUGhLVbx1VW2lKg/vzF"
    "KzvKmLu/dStqG47bOcervLQRMlf6Pf3tlgz67qppiMXXZfQDX1ibajmW6qZF4+tfQit1ZK"
    "bbYCugEqBW8WvKnJplllSDwKVeCxHLVFSsdtlQ31JhrA7tpQkfT0BDsqnsCebksl5s4vN6"
    "gaYGbSJ6wj8+MU6ggI4jm3PUQBNuBApdfliWZCaAjjQJx3ZqIpmo6QiXRpwTBh1YgzzT6a"
    "tjg3LWZfbWSUAREEGjW50QSFgeVEobgh98R7HYmx5ZFtYrbymFDcpEEmgcbQRGPlS95uXf"
    "3gVBTQ2aN0e6i3rz8TzuccxRNHorQqdaTsqSNKU1OamtLUimlqXs5TgooWSIdK182CmVd5"
    "VDIHiJ8swL93LCu3CUcz/yeSP6r8B9d6pjObLwAAx1ziSc1pQSSqpTs+57ije819L9GoZJ"
    "/ZnmgnyVcV8yoZP8tSzpQzddPO1D9tmFJ/ONPhFyRTof6loX5qJam7WQB7JArcZeB6abQF"
    "AQ6SKZCXgYwJF9VF04F8IgXw0rjLDJGhQZNydlO1iBCNqtuTUCXb0/jyYxokUSanCrkoQ3"
    "7nDfkYR1gDrotiD3sKa5ANhlDtte/6vU6rvy3/SKgISYKTJFqkJN1TEquPkt9dAp4n1ELg"
    "9/AOrt8BNJF0aQiwwIGIDc3djDyL60JI+jfk+GCEHiCpAmoCmOo4WesoA2IiUZNfrwLxvq"
    "LR9MPfZVsq/CnWT7Jf4YAGY5NOxR1sijRBA86RDgykPyAT2NzqM9x7BL2wAcn00OSNbJVE"
    "qOyhL6XA9s34Z7tcIHnVgzYujrY6NZvyKq+FE8otnxmc0NsSmoMTLjai5mGForHkLZhZIk"
    "P5I6fQkbhgPXMwwQyajpNX8BhEHjCR7EWOJGLlB+L6CHIOR8eiTQIfXPcQAyLTnw2RTS1M"
    "048MvgA4s81IBvYn0EOCrzFEFswQIGjy6bUY0GUGgMtyGbW1CUrNm87yR4dWi8yNVY7pcj"
    "PTcB5f8pFimYl8+3ic2NosS5VurtLNSxgh4XJnKOVOHOImpQaCJG15BugiMI844Q7inAFs"
    "s9u9lkknXipKsxM5GfD2/qbZ7h0cRVyicT6gQlLFmMJK/mahWg2foGEXdeqHCRXQy4CemV"
    "RDSE/w62fCHCRTIKsA6xbBfeBdFwTXI1HgLgNXhahUiKq8qKoQlQpRlRXW0oaogtXlEvyy"
    "keJz6W7ZaL275U7ZLvH2OwVKSIhUWid4cwCn1OYoA26KtTlCVXf/0tigkFkf4im8a+gvI2"
    "3XnbvMvVAbdJhGj/4NLCfljC2dJKpmOGMf+Wsl+7+WV372aMvsB6s073+tg5E9H5C79vV1"
    "HVjIMAbksvO1c9kWBZ51LDY8En1Afm59qYM/tJko5NxvC04ojqPkHxiy2IBctdv8iRAakH"
    "7jG18D8IX3+OW6wxtZM66rDkize3t/x8eixLb4CO0v3TtxV0cyhX9AxD6hy17j3w3+FM+Y"
    "TXTOkh1Ffvtln5X/eAX/cRmcbSXLQsxh49VOCtR8mJm4cCW9BY0CNxtcRwUpiK5PpODNhp"
    "cLi6KeS4/k3RWCKQQsl70FcXUpFKyZjmAVDt1wOFQqityeKxo2CpApppu9iB2sROLRSiB7"
    "hArmJTAjxgw0TfRi5jMewz2UmXdU2t+4OXgrzDbP3zIgrcbd5zoQ5dNXMeDWzVeobSapyT"
    "lnYkH9hoc3TSGxXeO3wEzcNG7vxTw41APypdcVdnyvvihcVILZ2GpVnJLxnU0XxUE6Zknb"
    "VzOzi3yiN0wtWlzZ2dwiInIq+OJ8wiihxmUm4lFShXsB3D3WNlzJXk+gVspNtnJDaJIzNO"
    "PYVJroDN0Dhn2a6/y704zz707V+XdF0N/fImb2TF9x1sOUatbLMuseRoFpj50Sto0UrbJx"
    "VJWhVVJUVYbWRjO0/FyibaZolYwb7HyGVuBky4QErfC5l+n5Wc7r+Sdt5qofECkhLXeWeu"
    "aNeyiPqE8NFzkdYMZvWFxvR85GfidTI7Hc4jr7TszbWqx7L2sGvQydXKm8G/2TOH4TP7yX"
    "FKi/1WrHx+e1w+Ozi9OT8/PTi8MFz4/fymL+zc6/BP8PqUSvSZRKRn8XkqNWtArXn37kfQ"
    "uJlkGat3SokpDqKoljJV/Q0WF+Z5A9Fa9PzYIQh+jeJ8r5PW5coNIpJivAHKFUQGcDnRUp"
    "TImLbyE6uMOSTDk306HfTTdXHuem2om4cY+M2tr1SsfBlg9naCKiTabQfGzRJ467XCwx90"
    "G8UTXLizDymnNYAu2X+hL64gQrOBeH9y66ABYSx3GBZ8gvW49IF/u2RO0sRwCCMTXri+OE"
    "LawjuYeD2uKsq0VJh5BXYSOjDMgE6oBQIspngQf8hMABBBNqYE5T5QPxHpwyhu5Iso7hB3"
    "kyF2biuC5CmTs0FFvNX1t+0BmmkEaBUg5lXFGj2K5zYiP6RMapDmKhcy0hJcMx1VyO0r1r"
    "m9kDIzETdymEyYm47wpAZUZs2IxQ0fJ06HfTjEiLlsdU3i2rZz3IslWznsvg8qhlYlnlju"
    "8syMSpV/bIwNaEKylS6wGUOFpRHbQuOwASHdy1rzstcSjW/8hIzMi2MEGWLHVaBZ0vrYa8"
    "lxDq2cQwA8LVLql1ySKp4EB+g/LCkcW49tVpdr+27740pK6nGdTKOJjL149UfGh34kPb14"
    "O3zZfVFvXyKWqrVCl81wUKl3rTSyKvLyE25j3EbDOxUE7wdqas1kXDoSlbFqiUI8kcQSbr"
    "27gHU0qRKUSc0yEQFpObSoGeMLUtYDHKbaiACIwVzVlf19l5GEq47o5wVbx/FS+H+BAK8v"
    "4FjeL9SyKpDhsazrSiuRdhwvcYsD4skn+hQmsqtKZCa5m64NVLmtPGvZOpAY5firlpovoZ"
    "8GqAgBnEJjj43bFrfwf3d5fN3nVdnCqDLek90SlfA2ZCscS19aocKnuj8ymHinKobFtjiS"
    "vVZjJomQpfCm7vRKVeouuVxJ/StdmIvvxMR0li1L+ZKUn/oKMhlU1zydJ0nJenY3wPpgv+"
    "piRYKSWYWA9JM5AuwXyKfZRguYoJHGUUEziKFxMY22RRDjwvykEahXM+nKH5kKCL/XzXvU"
    "2xwd32UaGHNQb+CwxsbcxQrPzDm18gDu1lmFifxHj/rLy9GBT4hHIPPIwPbhrfovC3rrvN"
    "aFKB6KAZmQoh7YpNhk9RjukQw+7NdAghn6ASps/GgkBNxtonQ22/SBcSu5k3lWv7BWNoOm"
    "MJPDHdRxwgeTsf8aZKAW/EQbyl+gLIxNqkklRbwLlTzawr4LfZpPlVyOB6L9bWxs4oeUKm"
    "VVDFD5DsoYZfOz3NoeHzVqkavrwX0fD5R1UAYbf5HqK7EfuJj8gSKwql64kBkrfXFLfjNl"
    "ybTrhVYfbj/wG9Tkpe"
)
