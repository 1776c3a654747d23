from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "transactions" ADD "edited" BOOL NOT NULL DEFAULT False;
        ALTER TABLE "transactions" ADD "provider_amount" DECIMAL(24,8);
        ALTER TABLE "transactions" ADD "needs_review" BOOL NOT NULL DEFAULT False;
        -- Provider-made entries a user changed (more than the note) are theirs.
        UPDATE "transactions" t SET "edited" = TRUE
        WHERE t."source" = 'provider' AND EXISTS (
            SELECT 1 FROM "audit_log" a
            WHERE a."entity" = 'transaction' AND a."entity_id" = t."id" AND a."action" = 'update'
              AND a."changes" - 'note' <> '{}'::jsonb);
        -- The provider's figure: a dividend's amount as the provider made it (before a user's
        -- first change of it).
        UPDATE "transactions" t SET "provider_amount" = COALESCE(
            (SELECT (a."changes" -> 'amount' ->> 'from')::numeric FROM "audit_log" a
             WHERE a."entity" = 'transaction' AND a."entity_id" = t."id"
               AND a."action" = 'update' AND a."changes" ? 'amount'
             ORDER BY a."id" LIMIT 1),
            t."amount")
        WHERE t."source" = 'provider' AND t."kind" = 'dividend';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "transactions" DROP COLUMN "edited";
        ALTER TABLE "transactions" DROP COLUMN "provider_amount";
        ALTER TABLE "transactions" DROP COLUMN "needs_review";"""


MODELS_STATE = (
    "eJztXQlv4zYW/iuEgUUzgDtInLPeooDtODueJvas40ynHRcuLdExG5lyJSrHtvPfl6Tu05"
    "LjQ3YIFJ2Y5KOkj9S7+fR3ZaarSDPf3yLTxDqp1MHfFQJniP0R7aqCCpzP/Q7eQOFYE2Oh"
    "Racj0x4peuDYpAZUKOucQM1ErElFpmLgObWvU+kRBDT9HpM6wNQEUFEYOaD6AyLsF1EBnS"
    "Jg6BRSTO6BMoWYAH0CDDQxkDl1B2IKsGlayHzPr6rqCrssG7+OCwzJkAwEyRNrsqmRohsq"
    "p+K/nOf/zmTtj7oC+ZOCA3YLukWrAIZnBnP2NyIUqUNCn7CC3v0bKFCZInZJAmZophsv4i"
    "77SGVX04n2AmbYMHSD3ZJ4WIvgvyw0ovo9Ylc32CN//Z01Y6KiZ2Tyn18rlomMEVYrv/Oe"
    "+cNogpGmhlaZdbIu0T6iL3PR1ppC40qM5JiOR4quWTPij56/0KlOvOEMct56jwgyIHugwJ"
    "oTS9OcPeI22bfNGqhhIe9+Vb9BRRNoaXzncGr7Dvy2ymjU7Q1Gt+3BaFSJ7SqXIrAPnCaF"
    "bUy2IzGhpnj+GXweaYjc0yn7eVz7Zl/Hx8EexS/4udFvfWj0D45r7/gFdbat7U3fdXpqou"
    "ubmAJSaE8iFsCH2Vn70Z8UF8E7QrYa4N0GH3n/Fd1Z6H2oFQNxMEaQxpG+ZD0Uz1Ay2mHK"
    "CNiqQ/re/WMXoWcPqPYYK3HetgzoB52b9u2gcfOJX25mmn9pAr/GoM17aqL1JdJ6cBZZJm"
    "8S8Etn8AHwn+C3Xrct4NVNem+IK/rjBr9V+D0xcaKPiP40gmqAMbitLmqhVUfPc8xmW2LV"
    "w5R7uOo7ssouJpnLzCXrw1Ivd5hyBcvs7Eq5yutbZcauTFv1zC8wo5RLycySre26RaarJs"
    "aA7hCajHOAIgIwu+cd5JHsftk/39eOTs5PLo7PTi7YEHGjXst5Buid7oAhynXsyUOi+sfh"
    "iqN7pRsI35Of0YsAucPuCBIFJYDq2GJ3zjQ7Bu43d/e4rf4bZsAnzygJbir27OyJEbVf98"
    "Ztq3HZrgiEx1B5eIKGOgpBzXv0mh5p8cbGu2a1WbQFEngvwOFPwe85iHqCZeyuRrpZzB8o"
    "nzmcjuViM6+QbZf6Rud9mZ2FK69lt4I3uZphyaEZxFoRkeQR7KHZfJhLEh1miKLDqCyaQ9"
    "N80tk7O4XmtAjOMcI9tJbP8gB+lo73WQxuQ9dQMsptYs1icimsbDm0mwNaGLA21y0AdqVx"
    "edPp1gFUZ5gMSePyc+e21+e/H7GpG0PSbzPxwhoCsxdcmKOzHAtzFNWp/YXhXeGFwcwiVS"
    "h+TFidps6AhySFjwfpIiszZoTrWhqXDW3WtGn2etchq6bZGUQwvrtpthn2Ano2CNs6hcvo"
    "fcCFW3b0yCQ2TrI5UgVnjG5zCvFhqWWodMm9bZecBk06EhGYJRY+Riw9NmXz2MTs3XTzzN"
    "8UwSBhRKo5lFc/95EmgmfphnAgKLlj73uaLfxtnRZsw1IxbRNqvFQS7NhAbzU7yMvG8Xdy"
    "7Rbt1woiFFNxP/ZfIohZBV8rioZZi+MlKBzZbOL7t2IA/1CrHR+f1w6Pzy5OT87PTy8OPS"
    "ke78oS583Of7hED7GWxWby5l2KJePuq9ahuFJfzBfuU+yhJbx6g8tnObk9Ox7FHgK8+iiD"
    "z8kL8eUQ2T4FGzbCoQNGWFBy5uTJIRrJlRO4cmHDRlqy5TJv8liyyhSSe5Rgs3y87XVT3h"
    "yfJLrWWKHgH6Bhc228q/LjxCJC+oOxhTWKifmeX/ango7TVZiyHKLQMrsi4uCm8SUqPVrX"
    "vWZ0/fgEzaTw6naigS3BEisJdpTTU82yoWyGuv6Y4N8V/3Hs+6za5lJVJDwZrhXuUDpP4k"
    "zv7lRhfj2zmxQ/xBsRmDXsmlvt3I5n3hE8K7p/GSfdZJzUXbS8yrQ7fg9V6dphnrAdG5Wq"
    "TIu+iDYt49BrjUOzm7BmDj/PC3GQZiV5ZyUC+egoj8F9lG5wH8Ui/QyfQizCI9i/nL7aSR"
    "4OcZLOIE6i6JoUUitBZc0X2vepNxjc9+PWhYL7rUHnc7sObOoh6XTdFkwCM27dvySDoOnQ"
    "76/paM3VJVc9TClXvSyrnhAPde4+4BYK2S85LYswkfS2LcyqdgCLQ7yuxOqSwZs3rzq8sU"
    "Kp1ewWQPfu+jortzogwqA5HY2hxsF8ZQS/xaZq2jPtIOtKjeIHmcBE059ei5JwF12xifYV"
    "JBWbM2yaTM6xBzXwa7fVpTudl8+wj6BNdU1lk7wSqw/2LPsKEushph0DfyVQA3+mfQJrrR"
    "lH7B1MdJLbHdXMPCM+RB6b2S93MMXKQ9IZuHRvj0+xhw7LVedWSG/7mr3tz3ZAt5DDPUCz"
    "QS/aumK8kZNIeRyWZ+kOy7OYw1KxDAMRpVAGVpBm7yC+yIHwRSrAF1F8hVi14UlEeLFTOD"
    "zDBvHuDT60+0X9wu3/3nUGv9aB/e+QtAdX7Mfgakhu7gZ3jeuru+5lHfh/D0mr/+unQa91"
    "1++3uy1GGf7NPcuX7S91IP5ho/1x3ogrNlu/XQf2v0MibrwO/PvfuhfaRApNcpmkv2M+xf"
    "6FXY5yyYqjDFlxFJcV0tGfjv5uunzTHP1LnYCRxnuJjfeScatcWKFHN6VseZSEWd5+RDuZ"
    "T53P0Qix9jIyELWM126pSz5VX8y0T2itNWsy4O5PSp0MRwMy8iejEYjVuojc82V8Zs+2+F"
    "06jrboONods3BjWuuKDcOx/+JFlFWk4BnUkjEOUEUVVZvsvUO+g3Bn4HvZbnVuGtcHx4fV"
    "o1qkpoSL/UncJNjK2ZuywbrmdACfdb8yG8BP5N8xgPMmBIS2VplKrQXi3akHLNxo+KJDFi"
    "Mv/r64GHkXUUDQE5jpBL2AAwXOKRxah4foXPz/WH/Hi3xDYM8MdML+VuELL9XNGh1pEy9B"
    "vpppeeHxn9GcgvELYM9KYR0gqEzBk8H4DmAWqgmeppDyUuXOqaMqMHU2A7ssnYpy5HPdoK"
    "K6kcmaJ+yODAZNWhXxoBLEfQ2ZylDo2EZ8dFUe1ygP78xSs9yli7urUlLdnfFZTqrd5aCJ"
    "kr8xaO9syGJXdVNMJg67L6Ca+kTb0UzXVZYrn1p6kVsr1S26BLoBKglvFrypCW1ZpQ5cCl"
    "lErhz1C0rHbaUNtRENYHdtqEgKbIIdFU+STbelEvNzFxtUDTA39EesIuP7GVQR4MQvzPbg"
    "RZ6ADZVaF19N4kKDGwf8m0oGmqHZGBlIFRYM5VYN/27S94bFv80Us6/WcpUh4QSKbjCjCX"
    "IDy45CMUPukc065tcWn4Xiq5XHhGImDTII1EYGmkhf8nZrdweXooDOHqXbQ7199flcPuco"
    "nggRpZWpEGVPhZCamtTUpKZWTFNzc3gSVLRAek+6bhbMJMqjktlAfGcC9r5jUR2KO5rZfz"
    "z5o8r+YVrPbG6xDQDghEk8oTl5RLwis+1zjju6Vzz3Ao1KzJntibZTVWXBoJLxsyzlTDpT"
    "1+1M/cuCKTVOMx1+QTIZ6l8Y6tfNJHU3C2CXRIK7CFymM2v4fyiB/WYCHCSTIC8CGRMmqo"
    "umA/lEEuCFcZc5IiNNT8rZTdUiQjSyNkhCJV5X48uPaZBEmpwy5CIN+Z035GMcYQW4eiUL"
    "9hTWIBsModpv3w76ndZgW/6R4NGdBB9J5GRPup8kephosa+kR9xgUiA/j/spkHqPDHAAZ7"
    "rFUAbdu5s2Q6jqBIcmmg6p+S7uH1nBfBk+EWftMgNN4dLNQTKRqfUaN0m0dnNgO716bumC"
    "2aQL5oE9VrL7ZfHhcJe2zG6YSvPu1zoYWy9Dctu+vq4DE2nakFx2Pncu2/w0uIp5NJmoQ/"
    "Kx9akO/lTm/NT3oM05Ia8nyl4wZNIhuWq32R0hNCSDxhe2B+Azm/HTdYcNMufMABiSZq97"
    "d8uupRPLZFdof+rd8l4VCf/okPAgzGW/8UuD3cUTplOVsWTbOtr+GXGZC7pELmgZnGslM/"
    "FyGM61kwIJdXMDFz6m5NFIcLPBtVWQguj6RBLebHiZsEhw92SC65K8uSzbQsAy2VsQV4dC"
    "wpoZxpDRuDVH44SiyOy5grs3SCaZbvYmtrGaGPpsKZBdQgnzApgRpRpK/1hKjs9NhGYoM+"
    "+otL8wc7DLzTbX3zIkrcbthzrgtSmWMeBWzVd0y0hSk3OuhEe9wfpuM0gsx/gtsBI3je4d"
    "Xwebekg+9Xvcju/XvazwEqzGVlOOS8Z31p1xjFRMk3IDmrquIUhSgPaIIhCPGdW6drzXsl"
    "nu3uz1rvnMXg5xsxP5bGz37qbZ7h8cRXh/PDRIEFJNtjkfMUo4QJiJeJRU4l4Ad5e1jZay"
    "1xOopXKTrdwQPckZmlFZWU90hu4Bwz7NVSzzNKNY5qkslilPiPAp5Fex9m3VXYwyv4q1hR"
    "StsnFUmaFVUlRlhtZaM7T8XKJtpmiVjBvsfIZWoGxwQoJWuKjwgg/+jPwyxrnOskXO54vz"
    "ZK5541Q844f/oZfTAeasw2R6O5tPN1iHcPImnmVb5dyJeVvevnezZtDzyM6Vek19gCa+fy"
    "spUD/UasfH57XD47OL05Pz89OLQ4/nx7uymH+z8x/O/0Mq0WsSpZLR34XkqCWtwtWnH7nv"
    "QqJlkOYtHckkpLpM4ljKF3R0mN8ZZM344yd9QCUT4hDd20Q5v8eNCVR9hskSMEcoJdDZQG"
    "dFClPi4luIDu6wJJPOzXTod9PNlce5KU8irt0jI492vdJxsOXKN01ElOkMGg8t/ZHhLjZL"
    "zH0QH1TN8iKM3eEMlsD4hb6EAS8PCF94ZXRvCmAiXusQPEHWbD4glZ/bwtQEtgAEE92oe7"
    "XaTawicYZDt3ghwUeoWSjmVVjLVYZkClVAdIIA1cE9fkTgAIKprmFGU2UXYjMg4b1wrjRG"
    "95C8E2UPMeW1EIlOnUvDe7aP0jwWeb0S9mUKaRQopeLtkhpFib7yuyp9IqNkDt/oTEtIyX"
    "BMNZejdG/aZnbBSMzEXQhhciLumwJQmhFrNiNktDwd+t00I9Ki5TGVd8vqWR/SbNWs7zC4"
    "PGoZ31a54zseGS8paI01bE6ZkiK0Hu87OXXQuuwASFRw277utHjFwX+JSMzYMjFBpgmEGt"
    "T51GqIvoRQzzouMyRM7RJal/gADzgQ76BoODIp0746zd7n9u2nhtD1FE03M6oe+vqRjA/t"
    "Tnxo+3rwtvmyPKJePkXNs0wLuNQ9mrdY1m2hN70k8jr4QeKk7z2Ev1ec8bGH6DeS81XKEW"
    "S2IBP1bZyqv0JkchFnTwi4xeSkUqBHrFsmMKnObKiACIwVzVnd1Nl5GFK47o5wlbx/GS8H"
    "fxEK8n6PRvL+BZFUmw2N5krR3Isw4VsMWB8Wyb+QoTUZWpOhtUxd8Oo5zWnj9GRqgJPnYm"
    "6aqH7mfbUYzCE2wMEftl37B7i7vWz2r+v8I8TYFN4TVWd7wEgolriyWaVDZW90PulQkQ6V"
    "bWsscaXaSAYtU+FLwe2NqNQLdL2S+FN6Fh3rzx/1cZIY9TszJemf+niki6G5ZGk6zovTMb"
    "4G0wV/lxKslBKM74ekFUiXYD7FPkqwXMUEjjKKCRzFiwlMLOKVA8+LcpBG4pwPZ2jcJ+hi"
    "H2973RQb3BkfFXpYoeAfoGFzbYZi5Ud3fcHYwhrFxHzPr/dTZfNikOMTyj1wMT64aXyJwt"
    "+67jWjSQV8gmZkKbi0K7YYPkU5loNfdm+Wgwv5BJUwfTU8ArkYK18MefwiXUjsZt5UruMX"
    "lKLZvNDHtYIkm/MRr6sU8FocxFuqL4AMrEwrSbUF7J5qZl0Bf8w6za9CBtdbsbbW9o2SR2"
    "SYBVX8AMkeavi109McGj4blarhi76Ihs9eqgIIO8P3EN212E/sijSxolC6nhgg2bymuB23"
    "4cp0wq0Ks2//B3U1dgI="
)
