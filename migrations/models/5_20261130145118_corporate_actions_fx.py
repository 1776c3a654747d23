from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "fx_rates" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "series" VARCHAR(16) NOT NULL,
    "date" DATE NOT NULL,
    "rate" DECIMAL(24,10) NOT NULL,
    CONSTRAINT "uid_fx_rates_series_e010e8" UNIQUE ("series", "date")
);
COMMENT ON TABLE "fx_rates" IS 'A daily close of a currency pair (`series` USDBRL: reais per dollar).';
        CREATE TABLE IF NOT EXISTS "dismissed_entries" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "external_ref" VARCHAR(64) NOT NULL,
    "dismissed_at" TIMESTAMPTZ NOT NULL,
    "client_id" INT NOT NULL REFERENCES "clients" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_dismissed_e_client__2714e4" UNIQUE ("client_id", "external_ref")
);
COMMENT ON TABLE "dismissed_entries" IS 'A provider-made entry a user deleted: the decision is remembered, so that a re-run of';
        CREATE TABLE IF NOT EXISTS "asset_events" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "kind" VARCHAR(16) NOT NULL,
    "ex_date" DATE NOT NULL,
    "amount" DECIMAL(24,10),
    "numerator" DECIMAL(24,8),
    "denominator" DECIMAL(24,8),
    "source" VARCHAR(16) NOT NULL,
    "created_at" TIMESTAMPTZ NOT NULL,
    "asset_id" INT NOT NULL REFERENCES "assets" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_asset_event_asset_i_00db9e" UNIQUE ("asset_id", "kind", "ex_date")
);
COMMENT ON TABLE "asset_events" IS 'A corporate action the provider reported: a dividend per share, or a split.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "fx_rates";
        DROP TABLE IF EXISTS "asset_events";
        DROP TABLE IF EXISTS "dismissed_entries";"""


MODELS_STATE = (
    "eJztXXtv27YW/yqE/1kKZEXipGmu7zDAcZxbd4nd6zhbt3rQaImOucqUJ1F53K3f/R5Skv"
    "WwJEuO3yFQNBbJQ0m/Q/E8Sf5dGVsGMZ23t8RxqMUqNfR3heExgR/JqkNUwZNJWCEKOB6Y"
    "si12+UhzvJayBg8cbmOdQ+UQmw6BIoM4uk0n3LtPpcMIMq17ymqIcgdhXQdyxK2vhMEVMx"
    "AfEWRbHHPK7pE+wpQha4hsMrSJMwoaUo6o47jEeSvualg63Bbar+IGfdZnPUnyCEUeNdEt"
    "2xBU4sp//+8cKH+wdCzeFB3AI1guP0Q43jOawG/CODH6jD9Snbz5N9KxPiJwS4bGZGzZz/"
    "Ipu8SAu1nMfEZjatuWDY8kX9Zl9C+XaNy6J3B3G175y+9QTJlBnogjLr9UXIfYGjUqv4ua"
    "yVdtSIlpxLgMlVAlyzX+PJFljRG2r2RLgelA0y3THbOw9eSZjyw2bQ6Qi9J7woiN4YUiPG"
    "euafpjJCjyHhsKuO2S6fMaYYFBhtg1xcgR1N4ThGUVTWt3etpts6dplZlRFVBExoFfpMPA"
    "hBFJGXfk+4/xk2YSds9HcHlS/ebdJ8TBayVu+HO92/hQ7x6cVN+IG1owrL1B3/ZrqrLqm+"
    "wCc+x1IhkQwuzzXvuT0zJ4J8iWA3xQECIffqI7C30ItW4TAYaG+SzSl1DD6Zikox2nTIBt"
    "+KRvgx+7CD28oNGBqcT/2nKg77Vumre9+s0ncbux4/xlSvzqvaaoqcrS50TpwVmCTdNO0C"
    "+t3gckLtFvnXZTwms5/N6Wdwzb9X6riGcCcWJpzHrUsBGZGILSALUY18nThEJvC3A9TrmH"
    "XN8RLgeY5LJZSNavC33cccolsNkflYrLq+MyTFeOp3oWF5hJyoVk5pbxdtUiM1ATZ4BuMZ"
    "6Oc4QiATA88w7OkfC88Of76vHp+9Pzk7PTc2giH3Ra8j4H9Fa7B4gKHXv4NVX9E3DNontl"
    "2YTes5/IswS5BU+EmU5SQPVtsTu/mx0D91sweoLS8Auz8ePUKIkOKnh3eGPCvc+9ftuoXz"
    "YrEuEB1r8+YtvQYlCLGqtqJUqmbWerxtVxsgQzfC/BEW8hnjmKeoplHHAj2ywWL1TMHM7G"
    "cr6ZV8q2y/yii37MPuO217Jbwpd8mGPJkTGmZhmRNCXYQ7P5qJAkOsoRRUdJWTTBjvNowT"
    "c7ws6oDM4zhHtoLZ8VAfwsG++zGbhtyyTpKDeZO56RS3Fly6ddH9DSgPVm3RJgV+qXN612"
    "DWFjTFmfdZsgTLo1FOmrJBuOzwqw4TipQYdsEFVxNlCwP3VOH1J4cWEBzJhlzNpRugQfBk"
    "C4KkYEk856DZmLTuc6ZsNctHoJjO9uLpqAvYQeGlFPgwim9RBw6YTVHkA+0zQLI1NMztCt"
    "T/092mqJqRxwr9sBZ2KHazLesgDjZ4iVf2bb/DMz1m22MRYOimhIMCHVfMqrn7rElKGybL"
    "M3EoLcse89y/L9tkp7te4alDcZt58rKVZrpPYwP6QL7cQ3uXL79UuFME65fB7vV/mQ5QW9"
    "fy2W7b+q1ZOT99Wjk7Pzd6fv3787P5oK7NmqPMl90fqPEN6xWWS+/bt+X+GWTeTLVpeE/l"
    "7OyR1S7KGJu3zbKpxdCrtsphR7CPDywwfhpF1qXo6R7VMUYS0zdGQCKa1uK/tqu5TuIvaV"
    "PsLsnqRo0h9vO+0MczokSfKa6hz9g0zqrOwzq/wwdJkUVGjgUpNT5rwVt/2xpPNuGQaWgC"
    "jG5mA2O7ipf05OdI3rzkWSf6KDi7QQ32YiUg2TEmlLzGj3fk2uZq/LNquPS/1dCV/He85D"
    "qYyLZuRJ5D96tqFP6b+J330wUqVR8AQPKS/kFxHpNe4wemHfKo62zjhaMCCK6mRB+z3UyK"
    "pHRcI60CpTJ5N1CaVMxSlXGqeEh3DH/lxbFOIozVLykrYI5OPjInbbcbbddjwTCQZ8Sk0R"
    "U4L9y/mqnhaZIU6zJ4jTJLoOx9xNUSeLhX5D6jUGf8NIZ6ngb6PX+rlZQx51n7XaQQllkR"
    "437qZQYbNs6PfXrHMnxoJcj1Mqrm8L11MiaNOQT+kAmo6dkTbAppiEXxhFa0BXF15POzgY"
    "MiNp0Y9paFqPL0VJGsdX0NG+gmRQZ0wdB2YOeFGbvnRYXQbdTWOK+wjayDIN6OSFWH3wet"
    "lXkKCGOV5w6oVA9cKe9gmslUb94RtMdQl6FYe5sX7RRCWq75eDjVP9a9qqk2z7OaTYQxfQ"
    "soOeyn+5Yv/lkxe+KuXCjNCs0S+xqohWIve/iAvoLNsFdDbjAtJd2yZML5UaEaXZO4jPCy"
    "B8ngnweRJfKVY9eFIRnu9mi/ewRrw7vQ/NbllPW/O/d63erzXk/e2zZu8KLnpXfXZz17ur"
    "X1/dtS9rKPzdZ43ur596ncZdt9tsN4Ayfi18dZfNzzUk/0DrsN20xRX01m3WkPe3z+SD11"
    "D4/Bv36zlE51YpORxS7J8j+7iQrDjOkRXHs7JCuU6z0d9NJ1qW63QhJ5oy3rfYeN+y2aoQ"
    "VuQhSKBZHCVpljcfyE4mOhZzNGJqPms24a790iF1Kbrqyp72Ca2V5ohF3P1piWLxaEBOtl"
    "gyArFcF9EXPx1N9Dy1LX5XjqMNOo52xyxcm9a6ZMNwEH54CWWV6HSMzXSMI1RJRdUje+uT"
    "7yDcOfheNhutm/r1wcnR4XE1sa47wP501iSQs0q5hUoxmn1akLCqbY3CqTuOcOmNjcK05R"
    "0DOEu0Hya2NooNrW3a3CgS785MJw+i4fNSyrVp/H3+9r9twhEjj2hsMfKMDnQ84bjvHh2R"
    "9/L/E+uN2FYXI69nZDH4beBnsTkuFPrSZnbT3+V0K7b6/YlMOBo8I3hXjmuIYH2EHm2Ydx"
    "BYqA56HGEuNgf211gcIseCHuC2fCQ3AJ5YNpc7jDhQPIQnsgGarH17o0qQ8DXkKkOxBPjZ"
    "1ocqAX575s48NStg3ay7KiN52G+f56Ta3Rk0VfLXe82dDVnsqm5K2dCf7kuopiHRZjTTVW"
    "2NU0wtPS+slVouXwDdCJWCNw/ezIS2vDXIAYXayGlmIydlQykbStlQlXk2VCIFNsWOmk2S"
    "zbalUvNz5xtUdTSxrQdqEPv7MTYIEsTPYHuI3VeQB5VRk+eUCKEhjANxiolNxmQ8IDYxpA"
    "XDhVUjTir53nbFaSgz9tVK7tJngkC3bDCasDCwvCgUGHIP0OtA3FsexCK4VcSEApOG2Ayb"
    "mk2Gype82d1yo6woobMn6fZQb19+Plc4c5RPhEjSqlSIbU+FUJqa0tSUplZOUwtyeFJUtE"
    "h6T7ZuFs0kKqKSeUB85yD43qncC0c4muGfSP44hD+g9YwnLgwAhIcg8aTmNCUSu6J6PudZ"
    "R/eS+56jUck+8z3RXqqq2oJly+azPOVMOVNX7Uz9y8UZmw/mOvyiZCrUPzfUbzlp6m4ewA"
    "GJAnceuKAzm/R/JGX6zQU4SqZAngcyZSCqy6YDhUQK4HkAT5WT4kpElERZRyo6oGzOnbc5"
    "Z2aEJeA6XV2/p7BGp8EYqt3mba/bavQ2ZcpHV5mkmPOJRSjZJn1y3Uuxk+u9uEcklUyY1M"
    "S4BzP7AI8tF1BG7bubJiB06McxhqaFufMm/aD6F/aXY777vMuNicT3VI2SyaSil1j0iQ1b"
    "o8PpxX0rb8E6vQVf4bXSPQXz1zEHtNvsMahc3P1aQwP3uc9um9fXNeQQ0+yzy9bPrcumWL"
    "hsUBH4ZEaffWx8qqE/9YlYoNxriplQbCYIHxhxeJ9dNZvwRIT0Wa/+GcYAfoIeP123oJEz"
    "AV21zy467btbuJfFXAfu0PzUuRW1BpGuvD4T8YLLbv2XOjzFI+UjA6ZkT5Hf/HJmlba4QN"
    "riNviBtnOhZZ6NVz0tkfs1sWnpFTVTGgVuPrieClIS3ZBIwZsPLwiLlKTFXHADkleXEFoK"
    "WJC9JXH1KRSsuR53FThaceBIKopgz5UcvVEyNenmD2IPq6FtjRcCOSBUMM+BmXBukuyTEg"
    "rsNR/rYZvnjkrzM5iDbWG2Bf6WPmvUbz/UkO4fSr/pecVy7TQ1uSAnptRr3IpsjJnrG78l"
    "OHFTb98JPnjUffap2xF2fLc2TWDeAm5sNDt2y+adVSfHMivNb5GzX6eV6rfYA2zfFdqC7V"
    "3OFmzv1BZsKu9YdKFOr9g3rgcYJU+v2HQ2xbbNqCqZYktRVckUK02mCMP+m8ym2LLZYOeT"
    "KSKbUWadIDHdqnLOMRJauDlmoRUSiVWfcpVCYKL5++iIJaV4Gn5FE6hwQG+H/iwbKqQ/Jn"
    "WFxDL7Tk2xmI77IMBNnjQvreElq07zDk3fs2yFtRyVvkhOQzr6u5DHsKBVuPxMgeBbSLUM"
    "shwbmsoXqKl460I+6eOjwk5p5o7F66dty58LcYzudaJc3PMPAtUaU7YAzAlKBXQ+0HlO/Y"
    "wQ1gYc+TssyZRzMxv63XRzFXFuqkVDK/fIqFUYL3QcbHrnq8i5DGnbXsWPbcjZ8yp5VESx"
    "VRiSDOmm5RC5dsLf/AB+GIhyse+U6BBZD/7uBxObPFDLdZADmgUxPMr0BRnL6zrfcaC8Bb"
    "vjLVCp7wuYsvJDKKn/T2le48rmUqq/Nw1pE72ssyBO+BotrKMyDgOlCypdUOmCubrg1VMX"
    "yweZUQP9mlwNcPikCV4Vjhsl9bPp4Q1ogqmNDv5wiNg79Q90d3t50b2uibMYqCPjO4YFY8"
    "BOWYi7tF5TVT6PVOl8u6XzhVwr7FsjGTuKK9+aWk+6kMYyq1Tb6aDlKnwZuL0SlXqOrjej"
    "l2xGhnZcPrCePlqDNDEaVuZK0j+tgWbJpoVkaTbOKVIsIbO+RP3bvysJtpUSTIyHNA5kS7"
    "CQYh8l2CoOIB+6bLrVTFGUozQK52I4YzvtFO+Pt512hg3ut08KPapz9A8yqbMyQ7HyQ8Bf"
    "NHCpySlz3or7/VhZvxgU+MRibgHGBzf1z0n4G9edi2QwTXRwkWCFkHblmBFSbAc7xG33hh"
    "1CyKeohNncmBIoZiydGSpfIFtI7HG+AOdkPOFljh+Lkqjzx1IdxBtKiCc21UeVtGR4r+Yw"
    "NxE+bLNK86uUwfVarK2V7X/3QGynpIofIdlDDb/67l0BDR9aZWr4si6h4cNHVQJhv/keor"
    "sS+wnuyFOXwGXriRGS9WuKm3EbLk0n3Kgw+/Z/3TCbow=="
)
