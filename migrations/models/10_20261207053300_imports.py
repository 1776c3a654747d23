from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "imports" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "format" VARCHAR(16) NOT NULL,
    "file_name" VARCHAR(255) NOT NULL,
    "status" VARCHAR(16) NOT NULL,
    "counts" JSONB NOT NULL,
    "rows" JSONB NOT NULL,
    "created_by" INT,
    "created_by_email" VARCHAR(320),
    "created_at" TIMESTAMPTZ NOT NULL,
    "committed_by" INT,
    "committed_by_email" VARCHAR(320),
    "committed_at" TIMESTAMPTZ,
    "written" JSONB,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_imports_client__2e2420" ON "imports" ("client_id", "id");
COMMENT ON COLUMN "imports"."format" IS 'B3_NEGOCIACAO: b3_negociacao\nB3_MOVIMENTACAO: b3_movimentacao\nCARTEIRA_CSV: carteira_csv';
COMMENT ON COLUMN "imports"."status" IS 'PREVIEW: preview\nCOMMITTED: committed';
COMMENT ON TABLE "imports" IS 'A file read for a client, from its preview to its commit.';
        COMMENT ON COLUMN "transactions"."source" IS 'MANUAL: manual\nPROVIDER: provider\nIMPORT: import';
        -- Rows of a client's file (B3's extracts, the ledger's own export) come in as `import`.
        ALTER TABLE "transactions" DROP CONSTRAINT "transactions_source_known";
        ALTER TABLE "transactions" ADD CONSTRAINT "transactions_source_known"
            CHECK ("source" IN ('manual', 'provider', 'import'));"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        COMMENT ON COLUMN "transactions"."source" IS 'MANUAL: manual\nPROVIDER: provider';
        UPDATE "transactions" SET "source" = 'manual' WHERE "source" = 'import';
        ALTER TABLE "transactions" DROP CONSTRAINT "transactions_source_known";
        ALTER TABLE "transactions" ADD CONSTRAINT "transactions_source_known"
            CHECK ("source" IN ('manual', 'provider'));
        DROP TABLE IF EXISTS "imports";"""


MODELS_STATE = (
    "eJztXY1v4jja/1cspNN1JHbU0k7b404nAaU77LbQl9LZ2RtWrElM8TbYbOL04/bmf39t5z"
    "skIaFQArW02imxHyf52Xm+/fivyozqyLA+3iLLwpRU6uCvCoEzxP+IN1VBBc7nQYO4wODY"
    "kH2hzaYjy+kpW+DYYibUGG+cQMNC/JKOLM3Ec+bcp9IjCBj0HpM6wMwCUNM4OWD0ARH+i+"
    "iATREwKYMMk3ugTSEmgE6AiSYmsqZeR8wAtiwbWR/FXXWq8dvy/pu4wZAMyUCSPPFLDjXS"
    "qKkLKvHLff+/W/z6I9WgeFNwwB+B2qwKYHRkMOd/I8KQPiTsCWvowz+BBrUp4rckYIZm1H"
    "yRT9lHOr8bJcYLmGHTpCZ/JPmyNsF/2mjE6D3idzf5K3/7jV/GREfPyBI/v1VsC5kjrFd+"
    "Ey3zh9EEI0OPzDJv5E3y+oi9zOW11hSal7KnwHQ80qhhz0jQe/7CppT43Tnk4uo9IsiE/I"
    "VCc05sw3DXiHfJeWx+gZk28p9XDy7oaAJtQ6wcQe08QXCtMhp1e4PRbXswGlUWVpVHEVoH"
    "7iWNL0y+IjFhlnz/GXweGYjcsyn/eVz77twnwMHpJW74pdFvfW70D45rH8QNKV/WzqLvui"
    "012fRdDgEZdAaRExDA7M796A+Gi+AdI1sP8N6FAPngE91Z6AOoNRMJMEaQLSJ9wVsYnqFk"
    "tKOUMbB1l/Sj98cuQs9fUO9xVuJ+bRnQDzrX7dtB4/pG3G5mWX8aEr/GoC1aavLqS+zqwW"
    "lsmvxBwC+dwWcgfoL/9LptCS+12L0p7xj0G/ynIp6JixM6IvRpBPUQY/CueqhFZh09zzEf"
    "bYVZj1Lu4azvyCx7mGROs5CsDyt93FHKNUyzuyrVLG9uljm7shzVM7/AjFOuJDNLNrebFp"
    "memrgAdIewZJxDFDGA+TPvII/kz8v/+aF2dHJ2cn58enLOu8gH9a+cZYDe6Q44okLHnjwk"
    "qn8CrkV0L6mJ8D35Gb1IkDv8iSDRUAKori125w6zY+B+91aPdzX4wkz45Bsl4UXF352/MW"
    "LO5964bTUu2hWJ8BhqD0/Q1EcRqEULrdHYFb/vYtOsNotfgQTeS3DEW4hnDqOeYBl7s5Fu"
    "FosXymcOp2O53MwrZNulftF5P2Z34spr2a3hS65mWHJoBrFRRCT5BHtoNh/mkkSHGaLoMC"
    "6L5tCynij/ZqfQmhbBeYFwD63l0zyAn6bjfboAt0kNlIxym9izBbkUVbZc2rcDWhqwDtct"
    "AHalcXHd6dYB1GeYDEnj4kvnttcXvx+xRc0h6be5eOEXQqMXnJij0xwTcxTXqYOJEU3Ric"
    "HcItUYfkyYnSblwEOSwsfDdLGZGXPCTU2Nx4be1rRp9npXEaum2RnEML67brY59hJ63gk7"
    "OoXH6APApVt29MglNk6yOVIF5wLd2ynEh6WWocol975dcga02EhGYFaY+AVi5bEpm8dmwd"
    "5NN8+CRREOEsakmkt5+XMfGTJ4lm4Ih4KSO/a9p9nC3zdpwTZsHbM2YeZLJcGODbVWs4O8"
    "vJ/4Jjdu0X6rIMIwk8/j/CWDmFXwraIZmF9xvQSFI5tNfP9eDOB/1GrHx2e1w+PT808nZ2"
    "efzg99Kb7YlCXOm50fhUSPsJblZvLbuxRLxt3XrUMJpb6YLzyg2ENLeP0GV8Bycnt2fIo9"
    "BHj9UYaAkxfiyxGyfQo2vAmHDhlhYcmZkydHaBRXTuDKhQ0bZcmWy7zJY8lqU0juUYLN8t"
    "Ntr5vy5QQk8bnGGgP/Awa2Nsa7Kv+a2ERKfzC2scEwsT6K2/67oON0HaasgCgyzZ6IOLhu"
    "fI1Lj9ZVrxmfPzFAMym8up1oYEuyxEqCHeW2VLNsKIehbj4m+FcleB3nOauOuVSVCU+mZ4"
    "W7lO6buMN7K1WaX8/8IeUP+UWERo265tY7tuuZdwXPmp5fxUnfMk7qTVpeZdrrv4eqdO0w"
    "T9iO90pVpmVbTJtWceiNxqH5Q9gzl5/nhThMs5a8sxKBfHSUx+A+Sje4jxYi/RyfQizCJ9"
    "i/nL7aSR4OcZLOIE7i6FoMMjtBZc0X2g+o3zC4H8StCwX3W4POl3YdONRD0ul6VzAJjbh1"
    "/5IKgqZDv7+moz3XV5z1KKWa9bLMekI81H36kFsoYr/ktCyiRMrbtjSr2gVsEeJNJVaXDN"
    "68edXRhRVJreaPALp3V1dZudUhEQat6WgMDQHmKyP4LT5U0xlpB1lXahQ/zAQmBn16LUrS"
    "XXTJB9pXkHRszbBlcTnHX9TEr11WF95wfj7DPoI2pYbOB3klVp+dUfYVJN5CLCcG/kqgBs"
    "FI+woWns2pyV6JU0cO0oRMm+4TThvNzOK8KjGY4DRUM/OxRBe1vWi/3OYMaw9JewXTvWIB"
    "xR46dtedg6KiEhuOSjw7ge9CgYkQzRt6GzcVC4/t2Mrj2D1Nd+yeLjh2Nds0EdEKZaqFaf"
    "YO4vMcCJ+nAnwex1eKVQeeRISXO8+jI7wh3r3B53a/qP+8/X93ncGvdeD8OyTtwSX/Mbgc"
    "kuu7wV3j6vKue1EHwd9D0ur/ejPote76/Xa3xSmjv4UH/qL9tQ7kP7x30M/vcclH67frwP"
    "l3SOSD10Hw/Fv31ltIY0mupfRvLKDYv/DUUS5ZcZQhK44WZYUKiKSjv5uu8bSAyEo7hZST"
    "o8ROjpJxq1xYoUcv9W51lKRZ3n5EO5l3ns8hC7HxMjIRs83XLqkLMVRfjrRPaG00uzQUFk"
    "lKMY1GTTLyTOORmvW6iLx9eGJk37b4TTmOtug42h2z8M201jUbhuPgw4spq0jDM2gkYxyi"
    "iiuqDtlHl3wH4c7A96Ld6lw3rg6OD6tHtVjtDQ/7k0WTYCt7lMoG64bTJgLW/cqsiWDDw4"
    "4BnDdxIrK0ylSSLpQXkLoRxcsaWLYZZeTnKSwv2t5FDBD0BGaUoBdwoME5g0P78BCdyf8f"
    "0w+iGDoEzsiAEv63Dl9ESXN+0ZU2i6Xa1zOsKND+M5ozMH4B/F0ZrAMEtSl4MjnfAdxCtc"
    "DTFDJR0t3dnVUFFuUj8NuyqSzbLuKXsgqUxS9P+BOZHJq0authJUj4GjKVocj2lsXeVbWt"
    "pTy8M0vN8qZu0V2VsiXA7Z/lpNpdDpoo+RuD9s6GLHZVN8Vk4rL7AqppQLQdzXRT5cvyqa"
    "XnubVSarMV0A1RKXiz4E1N/MsqCeFRqGJ75ajzUDpuq2yoN9EAdteGiqUKJ9hRi8nE6bZU"
    "Yh7zcoOqAeYmfcQ6Mn+YQR0BQfzCbQ9RDAs4UOl1ebqUEBrCOBBnT5lohmZjZCJdWjBMWD"
    "XifKkfTFucYbVgX23kLkMiCDRqcqMJCgPLiUJxQ+6RjzoW95bHZ4nZymNCcZMGmQQaIxNN"
    "lC95uzXOw1NRQGeP0+2h3r7+fK6AcxRPhIjTqlSIsqdCKE1NaWpKUyumqXk5PAkqWii9J1"
    "03C2cS5VHJHCD+bgH+vWNZRUs4mvl/Ivmjyv/hWs9sbvMFAOCESzypOflEonK143NedHSv"
    "eewlGpUcM9sT7aSqqsJKJeNnWcqZcqZu2pn6pw1TasFmOvzCZCrUvzTUT60kdTcLYI9Egb"
    "sMXK4zG/i/KIH9ZgIcJlMgLwMZEy6qi6YDBUQK4KVxlzkiI4Mm5eymahERGlVDJaFisafx"
    "5cc0TKJMThVyUYb8zhvyCxxhDbj6JQv2FNYwG4yg2m/fDvqd1mBb/pHw1p0EH0lsZ0+6ny"
    "S+mWi5r6RHvGBSKD9P+CmQfo9McABn1OYog+7ddZsjVHWDQxODQmZ9WPSPrGG8DJ+IO3eZ"
    "gaZoieswmczUeo2bJF7jOrScXj22csG8pQvmgb9Wsvtl+eZwj7bMbphK8+7XOhjbL0Ny27"
    "66qgMLGcaQXHS+dC7aYje4jkU0mehD8lPrpg7+0OZi1/egLTihqLvKPzBksSG5bLf5EyE0"
    "JIPGV74G4DMf8eaqwztZc24ADEmz17275feixLb4Hdo3vVvRqiPpHx0SEYS56Dd+afCneM"
    "JsqnOW7FhH298jrnJBV8gFLYNzrWQmXg7DuXZSIKFubuLC25R8GgVuNriOClIQ3YBIwZsN"
    "LxcWCe6eTHA9kneXZVsIWC57C+LqUihYM8MYKhq34WicVBS5PVdw9YbJFNPNXsQOVhOTzl"
    "YC2SNUMC+BGTFmoPRDZXIcyxEZocy8o9L+ys3BrjDbPH/LkLQat5/rQNSmWMWAWzdfobaZ"
    "pCbnnAmf+g3ru80gsV3jt8BMXDe6d2IeHOohuen3hB3fr/tZ4dx4v77p9YXpLkv4lmB2tp"
    "qCXDI+tOkMZKRjlpQr0KTUQJCkAO0TxSAec6pNfQH+lbfl9s1e70qM7OcUNzux43a7d9fN"
    "dv/gKCYLFkOFBCHd4ovzEaOEDYWZiMdJFe4FcPdY3Wgl+z2BWik72coOoUnO0YxKyzTROb"
    "oHDPtTruKZnzKKZ35SxTPVjhExhDpNbN9m3cMo8zSxLaRslY2jqoytkqKqMrY2mrEV5BZt"
    "M2WrZNxg5zO2wiclJWRsxQ5SSs/YCh3blGdj2wQbSJY3AxNq+vlVVSAcuAAzC8wd6xIwKn"
    "9qdDbDLGkb24ojeSXanGIDXh86ASKN60VUWwMHIsvDKdQmq7f9TtDT77JF7nuzPlR5IwWW"
    "KASHGYBE578RqQ6J86cs8ObdkNPQ9L1yuVO/1P64kgmdKkhPzuILcpakH+fz6wbUpfauN4"
    "9H3faPvVan0Wr06mB8PCLonmoYapAOCW+97n3himd34LfP6CMWgQOnR6vRH7Q7/caodftF"
    "eORNhrAJR5r1uIrvd/2pVYK/jIoe1hQhKvP0rehIqH36lANn3iv9xCbRtvPnxM8DH2iRb+"
    "am3/7Saf9S9+QO/wp619edwaB9UXflhevR3v7612Se8+Ks/HTb66ZtjvQo4sY91hj4HzCw"
    "tTENuvKviU1k3jgY29hgmFgfxW3/XXCK1uGsFAhF7HoP5oPrxtf4DLSues24wS4GaMb3Uy"
    "ae5Js+GV7/ckyFuN/eTIXnvhwnpNykm+4RIuUQSXCI+AiN0Axio4jcTaLdPzf+cS2PG5/3"
    "yjiOUrnx996hm6vwk6dsFORiMTLFxxL4WAijFThZIrXiZfl4mQ/eCtwsRrsGflayCdgR9p"
    "UQj1rkX8ITxxApohGHSF6lFO/OrG5G+1VxKxW3Kk+ApbQlA0PnNCbEV6KnOKaHV5z4UXBu"
    "ZK7igbGCyG6kw8kfc4+YEdWWob+JFsx5g8V1Ej6eDKbIrPrE4oHrHDtxo7wfWPS2KaPnkb"
    "M5PRYsKRTTaOL79xLW+Eetdnx8Vjs8Pj3/dHJ29un80GdOi01ZXKrZ+VEwqoiYeM3O9GT0"
    "d2E3+oo67vqdst63kKjbpqWjj9Su77raNbtSsu3RYf5sW3smXj/pxPpMiCN07xPl/CnNXK"
    "DSGSYrwByjVEBnA521NStlI+IWtmPtsCRTbud06PfX7axKP27cdaBq6eVzHKRmZm7Zb9BE"
    "RJvOoPnQoo8cd7lYFtwHi52qWV6EsdedwxLqv9SXMBDnMcEXcRStPwSwkDhcCjxBftl6QL"
    "pInhT5jo4AFNmYdf9wXAvrSBbNorY4uekRGjZa8Cps5C5DMoU6IJQgkQB6jx8ROIBgSg3M"
    "aar8RnwEJL0X7p3G6B6SD/KcKczE4VOEMvfW8J6vo5wpnKleCec2hTQKlHLE4IoaxXadEx"
    "vRJzLOKBALnWsJKSUlUs3lON27tpk9MBJLnyyFMLnyybsCUJkRGzYj1HbEdOh304xI2464"
    "oPJuWT3rQ5atmvVdBpdHLRPLKnd8xycTZzjZYwNbU66kSK0HUOJoRXXQuujIrSm37atOSx"
    "zx9DcZiRnbFibIsoBUgzo3rYZsSwj1bOI2QyI26wita0YJm4ID+Q3KC0cW49pXp9n70r69"
    "aTg7aAxqZRwzFehHKj60O/Gh7evB2+bLqiZw+RQ13zIt4FL3ad7jOTpLveklkdcXEBsvfc"
    "RsM/FkgnBzpqzWRceRKXsWOJpAkjmCTB4o4B6zKEWmEHHOgEBYTMGGVGpbwGKU21AhEbhw"
    "SsH6hs7Ow1DCdXeEq+L9q3g5xIdQkPf7NIr3L4mkOmxoNNeK5l5ECd9jwPqwSP6FCq2p0J"
    "oKrWXqgpfPaU4btyVTA5w8F3PTxPUz4BVdB3OITXDwu2PX/g7ubi+a/au6KGaCLek90Slf"
    "A2bC6VRrG1U5VPZG51MOFeVQ2bbGsqhUm8mgZSp8Kbi9E5V6ia5XEn9Kz2Zj+vwTHSeJ0a"
    "AxU5L+QccjKrvmkqXpOC9Px/gWThf8TUmwUkowsR6SZiBdggUU+yjBclVrPsqo1ny0WK3Z"
    "q8lSBOUwjcI5H87QvC9Up8frr+r0RHIP1rFTWUi7YpMRUJRjOvaqgpUQ8gkqYfps+ARqMt"
    "Y+GWr7RbqQ2M28qVzbLxhDs3lSVb90H3GI5O18xJs6e3EjDuIt1RdAJk6u3ey2VDPrCgR9"
    "Nml+FTK43ou1tbG6w4/ItAqq+CGSPdTwN1KuVnxUBRB2u+8huhuxn/gdWWLpm6y6sz7J22"
    "uK23Ebrk0n3Kow+/7/hPMBAQ=="
)
