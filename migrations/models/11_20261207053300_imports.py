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
"eJztXYtv4ri6/1cspKvTkdhRSzudHu7RkShNd9htoRfo7OwZVhmTmOKdxGETp4+7d/73az"
    "tPQhISyiNQS6udEvtzkp+d7+3Pf9dMS0eG836AHAdbpNYEf9cINBH7I9lUBzU4m0UN/AKF"
    "Y0P0hS6dqo7XU7TAsUNtqFHWOIGGg9glHTmajWfUu0+tRxAwrAdMmgBTB0BNY+SAWt8RYb"
    "+IDugUAduikGLyALQpxARYE2CjiY2cadARU4Adx0XOe35X3dLYbVn/TdxgREZkKEie2CWP"
    "GmmWrXMq/st//3847PqjpUH+puCIPYLl0jqA8yODGfsbEYr0EaFPWEPv/htoUJsidksCTG"
    "Ra9ot4yj7S2d0sYrwAE9u2ZbNHEi/rEvyXi1RqPSB2d5u98tc/2GVMdPSMHP7za811kK1i"
    "vfYHb5l9VycYGfrcLLNG1iSuq/RlJq61p9C+Fj05pmNVswzXJFHv2QudWiTsziDnVx8QQT"
    "ZkLxSbc+Iahr9GgkveY7ML1HZR+Lx6dEFHE+gafOVwau8Joms1Ve32hupAGapqbWFVBRSx"
    "deBf0tjCZCsSE+qI9zfhs2og8kCn7Odp44d3nwgHrxe/4edWv/2p1T86bbzjN7TYsvYWfd"
    "dvaYimH2IISKE3iJiACGZ/7tU/KS6Dd4JsPcAHFyLko090b6GPoNZsxMFQIV1E+oq1UGyi"
    "dLTnKRNg6z7p++CPfYSevaDeY6zE/9pyoB92bpXBsHV7x29nOs5fhsCvNVR4S0NcfUlcPT"
    "pPTFM4CPitM/wE+E/wn15XEfBaDn2wxR2jfsP/1PgzMXFiqcR6UqEeYwzB1QC1uVlHzzPM"
    "Rlth1ucpD3DW92SWA0xyp5lL1u8rfdzzlGuYZn9Vylne3CwzduV4qmdxgZmkXElmVmxuNy"
    "0yAzVxAegOoek4xygSALNn3kMeyZ6X/fNT4+Ts49nF6fnZBesiHjS88jEH9E53yBDlOvbk"
    "e6r6x+FaRPfashF+IL+iFwFyhz0RJBpKAdW3xe79YfYM3B/B6gmuRl+YDZ9CoyS+qNi7sz"
    "dG1PvcW4N260qpCYTHUPv+BG1dnYOat1gNK3El7LvYZDbM5BVI4IMAh78Ff+Y46imWcTAb"
    "2WYxf6Fi5nA2lsvNvFK2XeYXXfRj9ieuupbdGr7keo4lh0yIjTIiKSQ4QLP5uJAkOs4RRc"
    "dJWTSDjvNksW92Cp1pGZwXCA/QWj4vAvh5Nt7nC3DbloHSUVaIay7IpXlly6fdHtDCgPW4"
    "bgmwa62r2063CaBuYjIiravPnUGvz38/YseyR6SvMPHCLsRGLzkxJ+cFJuYkqVNHE8Ob5i"
    "cGM4tUo/gxZXYuLQY8JBl8PE6XmJkxI9zU1ARsaLumzWWvdzNn1Vx2hgmM728vFYa9gJ51"
    "wp5OETD6CHDhllUfmcTGaTZHpuBcoNueQnxcaRkqXXJv2yVnQIeqIgKzwsQvEEuPTdU8Ng"
    "v2brZ5Fi2KeJAwIdV8yutf+8gQwbNsQzgWlNyz7z3LFv6xSQu25eqYKoTaL7UUOzbWWs8P"
    "8rJ+/JvcuEX7tYYIxVQ8j/eXCGLWwdeaZmB2xfcSlI5sXuKHt2IA/7PROD392Dg+Pb/4cP"
    "bx44eL41CKLzblifPLzs9cos+xluVm8vZdihXj7uvWobhSX84XHlEcoCW8foMrYjmFPTsh"
    "xQECvP4oQ8TJS/HlObJDCjZshUPHjLC45CzIk+doJFdO4cqlDRtpyVbLvCliyWpTSB5Qis"
    "3yy6DXzfhyIpLkXGONgv8DBnY2xrtq/5q4REh/MHaxQTFx3vPb/ruk43QdpiyHaG6aAxFx"
    "dNv6kpQe7ZveZXL++ACXaeHV3UQD24Il1lLsKL+lnmdDeQx18zHBv2vR63jPWffMpbpIeL"
    "IDK9yn9N/EHz5YqcL8emYPKX6ILyI26rxrbr1j+555X/Cs6fllnHSbcdJg0ooq00H/A1Sl"
    "G8dFwnasV6YyLdoS2rSMQ280Ds0ewjV9fl4U4jjNWvLOKgTyyUkRg/sk2+A+WYj0M3xKsY"
    "iQ4PBy+hpnRTjEWTaDOEui61BI3RSVtVhoP6LeYnA/iluXCu63h53PShN41CPS6QZXMImN"
    "uHP/kgyCZkN/uKajO9NXnPV5SjnrVZn1lHio//Qxt9Cc/VLQspgnkt62pVnVPmCLEG8qsb"
    "pi8BbNq55fWHOp1ewRQPf+5iYvtzomwqAzVcfQ4GC+MoLfZkNdeiPtIevKjOLHmcDEsJ5e"
    "i5JwF12zgQ4VJB07JnYcJufYi9r4tcvqKhguzGc4RNCmlqGzQV6J1SdvlEMFibUQx4uBvx"
    "KoYTTSoYKFzZll01fi1BGDXEKqTQ8Jp41mZjFelRpM8BrquflYvIvcXnRYbnOKte9pewWz"
    "vWIRxQE6dtedgyKjEhuOSjx7ge9SgYkYzRa9jZuKhSd2bBVx7J5nO3bPFxy7mmvbiGilMt"
    "XiNAcH8UUBhC8yAb5I4ivEqgdPKsLLnefzI2wR797wk9Iv6z9X/ue+M/y9Cbx/R0QZXrMf"
    "w+sRub0f3rduru+7V00Q/T0i7f7vd8Ne+77fV7ptRjn/m3vgr5QvTSD+Yb2jfmGPazZaX2"
    "kC798REQ/eBNHz79xb7yCNprmWsr+xiOLwwlMnhWTFSY6sOFmUFd/Zq636iQW0W/y4eMIW"
    "0st+XTedwVBh349HzVZ+54typXa67d4tW/8TzG6nYqJZJhqRYV9pDe77v/PFgKDj2i/8S+"
    "Ff38T1Xnf334XH2zSD/fs69hgOsdUAo+U5mMrM4F1voLJZa131mmBmOQzKZ6hbI3LXV8LL"
    "NgqudrrXN612q8ejjxMDatDy5pAN0r/2JpKNYU84d73hkYZ+WwxhsmfBJrI1MUqr3VMGPK"
    "TJnpevmc6ArxXsCO7M/kZ0wv/+MlT6Hb6TGT1TZGO+lbnd7zBe3ATiDdhI7RZ7RvYTsuer"
    "xgqibHg2ReYsJSKWu7N5nnCLW5vDK/u7txnZZqn01ZDgVcmrFZNp28hSlRH/YkxmP2O/WR"
    "H/lbbCSi9+hb341WRd+VihxyC3fHWUhN9ZeUR7ubGqWMQRYuNFtRF17dcuqSs+VF+MdEho"
    "bXT7RCzun7aHYj4tIGcjRTIVYb0xkGCjOR85dJ79ISMjO4yM7I/fc2tumTV7PsfRh5dQVp"
    "GGTWikYxyjSiqqHtl7n3wP4c7B90ppd25bN0enx/WTRsIAC7A/W/B57WYTbtVg3XBeYMS6"
    "X5kWGO3o2zOAi2YGzi2tKtVcjSW+Ze60DNLilu22VMNEvOWnknQRBQQ9AdMi6AUcaXBG4c"
    "g9PkYfxf9PrXf8tA8IvJGBRdjfOnzhZ3awi760WTyLZD3D8hNIfkUzCsYvgL0rhU2AoDYF"
    "TzbjO4BZqA54mkLKzyzxtx/XgWOxEdht6VScS8ITdESZQ4ddnrAnshk0WceJxJUg7mvIVY"
    "bm9m8u9q7LfZvV4Z15alYwdYvuqow9b37/PCfV/nLQVMnfGip7G5PfV92UR1M8dl9CNY2I"
    "dqOZbqo+ZzG19KKwVmq5dAV0Y1QS3jx4MzPb82oeBRSymmw1ChlVjttKG2orGsD+2lCJvT"
    "ApdtTibplsWyp1o85yg6oFZrb1iHVk/2RCHQFO/MJsD17tEXhQ6U1xfCIXGtw44Icr2shE"
    "5hjZSBcWDOVWDT9A8Sfb5Yc0LthXG7nLiHACzbKZ0QS5geVFoZgh98hGHfN7i/Mh+WwVMa"
    "FEkgaBhmqjifQl7/YQj/hUlNDZk3QHqLevP2E54hzlEyGStDIVouqpEFJTk5qa1NTKaWpB"
    "Dk+KihZL78nWzeKZREVUMg+Ifzg8nxWLMpHc0cz+48kfdfYP03rMmcsWAIATJvGE5hQS8a"
    "MZPJ/zoqN7zWMv0ajEmPmeaC/ZWFYOrBg/y1POpDN1087Uv1yYUew81+EXJ5Oh/qWhfstJ"
    "U3fzAA5IJLjLwGU6s4H/F6Ww31yA42QS5GUge/uSSsdcAiIJ8NK4ywwR1bDScnYztYg5Gl"
    "kkLKUkf6DxFcc0TiJNThlykYb83hvyCxxhDbiGNXkOFNY4G5xDta8Mhv1Oe7gr/0h8606K"
    "jySxsyfbT5LcTLTcV9IjQTAplp/H/RRIf0A2OIKm5TKUQff+VmEI1f3g0MSwIHXeLfpH1j"
    "Bejk/En7vcQNP8GQ5xMpGp9Ro3SfIQh9hyevXY0gWzTRfMfpVmKA907fL+9yYYuy8jMlBu"
    "bprAQYYxIledz50rhRdc0DGPJhN9RH5p3zXBn9qMb+0fKpwT8q397ANDDh2Ra4VXcUC8eE"
    "PrC1sD8JmNeHfTYZ2cGTMARuSy170fsHtZxHXYHZS73oC36kj4R0eEB2Gu+q3fWuwpnjCd"
    "6owle9bR7rfqy1zQFXJBq+Bcq5iJV8BwbpyVSKib2bj0NqWQRoKbD66ngpRENyKS8ObDy4"
    "RFirsnF9yA5M1l2ZYClsnekrj6FBLW3DCGjMZtOBonFEVmz5VcvXEyyXTzF7GH1cS2zJVA"
    "DgglzEtgRpQaKPvUtALnTs2NUGXeURPV17rcbAv8Lbza2uATL7bmTFcx4NbNVyzXTlOTC8"
    "5ESL3FAn0mJK5v/JaYidtW957Pg0fNK/P1uB3fb4ZZ4cx4v73r9bnpLmrUV2B2dpqCXDE+"
    "tOkMZKRjmpYrkFtuMCKSpQZLlBokCOkOW5yPGKVsKMxFPEkqcS+Be8Dq1JXs9xRqqezkKz"
    "vESnOO5hwlYKU6Rw+AYX8oVB36Q0516A+L1aFl8cxs9A93x4g8LvPQZj3AKPe4zB2kbFWN"
    "o8qMrYqiKjO2NpqxFeUW7TJlq2LcYO8ztuJHAaZkbCVOCszO2IqdS1hkY9sEG0iUNwMTyw"
    "7zq+qAO3ABpg4/qYFbl4Ba4qdmmSamadvYVhwpKNHmFRsI+lgTwNO4Xni1NXDEszy8Qm2i"
    "ets3gp6+iRax7815V2eNFnB4IThMASQ6+41IfUS8P0WBt+CGjMbK3itXOPVL7o+rmNCpg+"
    "zkLLYgzTT9uJhfN6KutHf98lTtKj/32h3vMJXxqUrQg6Vh70QV1nrb+8wUz+4wbDetR8wD"
    "B16Pdqs/VDr9ltoefOYeeZsibENVcx5X8f2uP7WK8xe17GmEc0RVnr4VHQmNDx8K4Mx6ZR"
    "9JyNsSYRAKqbvyYUUR9RbDILPIB1rmm7nrK587ym/NQO6wr6B3e9sZigOoPHkRnGC18/Wv"
    "iTznxVnJPpImonjVmTSrzci/Ji4ReeNg7GKDYuK857f9d8kpWoezciNH1dipR9VnT0bQvx"
    "pTwe93MFMRuC/HKSk32ab7HJF0iKQ4REKEVGRCbJSRu2m0h+fGP20UceOzXjnnLUs3/sE7"
    "dAsVfgqUjZJcLEEm+VgKH4thtAInS6WWvKwYLwvBW4GbJWjXwM8qNgF7wr5S4lGL/It74i"
    "giZTTiGIk8M/MV2q+MW8m4VXUCLJUtGRg7pzElvjJ/imN2eMWLH0XnRhYqHpgoiOxHOrz8"
    "Mf+IGaSDIxhuogUz1uAwnYSNJ4IpIqv+nfeDpARf1n2LEcF8nl3T22xvI52fIs0HhhSYkL"
    "qMd7+Ao29e8ts3L3gzwQQagC1YCsTewZzd92G0Mtj7jJ5Vb8d7IgJTKlByiR/eSqzkn43G"
    "6enHxvHp+cWHs48fP1wchxxvsSmP9V12fubcb072vGa7ezr6+7DFfUXFef2e3uBbSFWYs3"
    "LcVbmVvCm34q6UwXtyXDyFl0kE9vqWXRLiObq3iXLxPGkmni2TydLyMCcoJdD5QOft98rY"
    "3biDPV57LMmkLzsb+sP1Zct6khv3R8gCfcW8EZnpnjt2Rlwiok1NaH9vW48Md7FYFnwSi5"
    "3qea6JcdCdwRLrv9RBMeSHPMEXfr5tOARwED+xCjxBdtn5jnSekcmTKD0ByFM8m+GJuw7W"
    "kajEZbn8OKhHaLhowUexkbuMyBTqgFgE8azSB/yIuItjahmY0dTZjdgISPgm/DuN0QMk78"
    "ThVZjyE62IRf1bwwe2jgrmhWZ6JbzblNIoUMa5hStqFLt1TmxEn8g5+IAvdKYlZNSpyDSX"
    "k3Rv2mYOwEitp7IUwvRyKm8KQGlGbNiMkHscs6HfTzMia4/jgsq7Y/WsD2m+atb3GVwRtY"
    "wvq8JBo5CMHwzljg3sTJmSIrQewMMwXCtqgvZVR+x3GSg3nTY/N+q/RFxn7DqYIMcBQg3q"
    "3LVboi0lcLSJ24wI3wHEtS7TInQKjsQ3KC6cODzE1LnsfVYGdy1vW45hOTlnV0X6kYwP7U"
    "98aPd68K75siw0XD1FLbRMS7jUQ5q3eDjPUm96ReT1FcTGSx9R10497iDenCurdd5RtUXP"
    "EucdCDJPkIlTCvyzG4XI5CLOGxBwiyna5Wq5DnCoxWyomAhcOPpgfUPn52FI4bo/wlXy/l"
    "W8HPxDKMn7QxrJ+5dEUj02pM60srkX84RvMWB9XCb/QobWZGhNhtZydcHr5yynjd+SqwFO"
    "nsu5aZL6GQgquYMZxDY4+ubZtd/A/eDqsn/T5BVSsCO8J7rF1oCdcuTV2kaVDpWD0fmkQ0"
    "U6VHatsSwq1XY6aLkKXwZub0SlXqLrVcSf0nPp2Hr+xRqnidGoMVeS/mmNVUt0LSRLs3Fe"
    "no7xNZ4u+IeUYJWUYHw9pM1AtgSLKA5RghUqAX2SUwL6ZLEEdFDopQzKcRqJczGcof1Qqv"
    "hP0F8W/5nLPVjH9mcu7cpNRkRRjek4qLJYXMinqITZsxESyMlY+2TI7RfZQmI/86YKbb+g"
    "lG/WTuGJ2T7iGMn2fMSbOtBxIw7iHRUtQDZOLwjtt9RzixVEfTZpfpUyuN6KtbWxYsaPyH"
    "ZKqvgxkgPU8DdSA5d/VCUQ9rsfILobsZ/YHWlqPZ28YrYhyfY1xd24DdemE+5UmP34f9Zw"
    "VW8="
)
