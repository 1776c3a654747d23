from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "assets" ADD "kind" VARCHAR(16) NOT NULL DEFAULT 'listed';
        ALTER TABLE "assets" ADD "terms" JSONB;
        ALTER TABLE "assets" ADD "tax_exempt" BOOL NOT NULL DEFAULT False;
        ALTER TABLE "assets" ADD "asset_class" VARCHAR(16) NOT NULL DEFAULT 'acoes';
        -- Every asset so far is a listing: its class follows from its type and currency.
        UPDATE "assets" SET "asset_class" = CASE
            WHEN "asset_type" = 'CRYPTOCURRENCY' THEN 'cripto'
            WHEN "currency" <> 'BRL' THEN 'exterior'
            WHEN "asset_type" = 'ETF' THEN 'etfs'
            ELSE 'acoes' END;
        COMMENT ON COLUMN assets."kind" IS 'LISTED: listed\nFIXED_INCOME: fixed_income\nTREASURY: treasury\nFUND: fund';
COMMENT ON COLUMN assets."asset_class" IS 'POS_FIXADO: pos_fixado\nPREFIXADO: prefixado\nINFLACAO: inflacao\nFUNDOS_RF: fundos_rf\nMULTIMERCADO: multimercado\nACOES: acoes\nFIIS: fiis\nETFS: etfs\nEXTERIOR: exterior\nCRIPTO: cripto\nCAIXA: caixa';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "assets" DROP COLUMN "kind";
        ALTER TABLE "assets" DROP COLUMN "terms";
        ALTER TABLE "assets" DROP COLUMN "tax_exempt";
        ALTER TABLE "assets" DROP COLUMN "asset_class";"""


MODELS_STATE = (
    "eJztXYtv4jga/1cspNN1pO6opZ22y51OAkpv2G2hB3Ru9oYVaxJTvA0Omzh93N787/fZeR"
    "KSkLS8a2m1Uxx/TvKz8739+c/SxNSJYX/sEtumJitV0J8lhicE/ohfOkQlPJ2GF0QDx0ND"
    "9sUOHw9st6e8goc2t7DG4eIIGzaBJp3YmkWn3L1Pqc0IMsx7yiqIchthTQNyxM0HwuAX0x"
    "EfE2SZHHPK7pE2xpQhc4QsMrKIPfY7Uo6obTvE/ijuqpsa3Bb6r+IGfdZnPUnyBE0uNdFM"
    "SxdU4pf3/n+1of3R1LB4U3QAj2A6/BDh2ZHRFP4mjBO9z/gT1ciHvyENa2MCt2RoQiam9S"
    "KfskN0uJvJjBc0oZZlWvBI8mUdRv9wyICb9wTubsErf/sVminTyTOxxc9vJccm1oDqpV/F"
    "lenDYESJoc/MMlyES7J9wF+msq0+xtaV7CkwHQ4003AmLOw9feFjkwXdAXLRek8YsTC8UG"
    "TOmWMY3hrxm9zHhgZuOSR4Xj1s0MkIO4ZYOYLafYKwrTQYtNq9QbfRGwxKc6vKp4isA69J"
    "g4UJK5Iybsv3n+DngUHYPR/Dz5Pyd/c+IQ5uL3HDL9VO/XO1c3BS/iBuaMKydhd9y7tSlp"
    "e+yyEwx+4gcgJCmL25H/zOaRG8Y2TLAd5vCJEPP9GdhT6EWrOIAGOA+TzSl3CF0wlJRnuW"
    "Mga27pF+9P/YRejhBfU2sBLva8uAvte8aXR71ZtbcbuJbf9hSPyqvYa4UpatL7HWg7PYNA"
    "WDoH83e5+R+In+0241JLymze8tecewX+8/JfFMIE7MATOfBliPMAa/1UdtZtbJ85TCaK+Y"
    "9VnKPZz1HZllH5PMaRaS9eFVH/cs5RKm2VuVapZXN8vArmxX9cwvMOOUr5KZWza3qxaZvp"
    "o4B3ST8WScIxQxgOGZd5BHwvPCPz+Uj0/PTy9Ozk4voIt80KDlPAP0ZqsHiAode/SQqP4J"
    "uObRvTItQu/Zz+RFgtyEJ8JMIwmgerbYnTfMjoH73V89fmv4hVn4KTBKoosK3h3emHD3c6"
    "9269XLRkkiPMTawxO29MEM1OKKWTZjLUHf+UuT8iTeghm+l+CItxDPHEU9wTL2ZyPdLBYv"
    "lM8cTsdysZlXyLZL/aLzfszexG2vZbeEL/kww5IjE0yNIiIpINhDs/kolyQ6yhBFR3FZNM"
    "W2/WTCNzvG9rgIznOEe2gtn+UB/Cwd77M5uC3TIMkoN5gzmZNLs8qWR7s+oKUB63LdAmCX"
    "qpc3zVYFYX1CWZ9VL780u+2O+P1IbdPqs04DxAs0REYvODHHZzkm5jiuU4cTIy7NTgwFi1"
    "Tj9DFhdmomAI9ZCh+P0sVmZgiEq5oanw2t17SptdvXM1ZNrdmLYXx3U2sA9hJ66ERdncJn"
    "9CHg0i07eASJTZNsjlTBOUe3PoX4aKtlqHLJvW+XnIFtPpARmFdM/Byx8thsm8dmzt5NN8"
    "/CRRENEsakmkd59XOHGDJ4lm4IR4KSO/a9p9nC31dpwVYdnfIG49ZLKcGOjVw9zA7yQj/x"
    "Ta7cov1WIoxTLp/H/UsGMQ/Rt5JmUGjxvASFI5s1ev9eDOAfy+WTk/Py0cnZxafT8/NPF0"
    "eBFJ+/lCXOa81/Cok+w1oWm8nrdyluGXdftg4llPpivvCQYg8t4eUbXCHLye3ZCSj2EODl"
    "RxlCTl6IL8+Q7VOwYS0cOmKERSVnTp48Q6O4cgJXLmzYKEt2u8ybPJasNsbsniTYLD9126"
    "2ULyckic811Tj6HzKovTLeVfr7yGFS+qOhQw1Omf1R3PYfBR2nyzBlBUQz0+yLiIOb6te4"
    "9Khft2vx+RMD1JLCq5uJBtYlSywl2FHelcMsG8plqKuPCf5ZCl/Hfc5D11w6lAlPlm+Fe5"
    "Tem3jD+ytVml/P8JDyh/wiIqPOuuaWO7bnmfcEz5KeX8VJ1xkn9SctrzLt999DVbp8lCds"
    "B71SlWl5LaZNqzj0SuPQ8BDOxOPneSGO0iwl72yLQD4+zmNwH6cb3MdzkX7ApxCLCAj2L6"
    "evfJqHQ5ymM4jTOLo2x9xJUFnzhfZD6jUG98O4daHgfr3X/NKoIJe6z5otv4WyyIgb9y+p"
    "IGg69PtrOjpT/ZWzPkupZn1bZj0hHuo9fcQtNGO/5LQsZomUt21hVrUH2DzEq0qs3jJ48+"
    "ZVzy6smdRqeATUuru+zsqtjogwbI8HQ2wIMN8Ywa/DUDV3pB1kXalR/CgTGBnm01tRku6i"
    "KxhoX0HSqT2htg1yDl7Uom9dVpf+cEE+wz6CNjYNHQZ5I1af3VH2FSS4wmw3Bv5GoHrhSP"
    "sE1kozjuAbTHSSuxcOM/OMRBe1bWa/3MGcag9Je+DSvT0hxR46LJedW6G87Sv2tj+7Ad1C"
    "DvcIzRq9aKuK8cZ2IuVxWJ6lOyzP5hyWmmNZhGmFMrCiNHsH8UUOhC9SAb6I4yvFqgtPIs"
    "KLncKzI6wR73bvc6NT1C/c+Ndds/dLBbn/9lmjdwU/eld9dnPXu6teX921Liso/LvP6p1f"
    "bnvt+l2n02jVgXL2t/AsXza+VpD8B3qH/YIeVzBap1FB7r99Jh+8gsLn37gX2iYaT3KZpH"
    "9jIcX+hV2Oc8mK4wxZcTwvKx7g1V77ifm0a/y4RCIS0Yt+XdfNbq8B349LDSu/+bVxOWi2"
    "6u0bWP8jCrcbUKaZE9JnvU6j2r3r/CIWA8G2Y72IL0V8fSPHfd3Nfxcub9MM+Pdt7DEYYq"
    "2BM9N1nBSZwdt2dwCzVr1sV9DUtAHKZ6ybfXbbaQTNFvFbm62r62q92hZRtZGBNWy6cwiD"
    "dK7ciYQxrJHgrtfCg96pyyEm8Cx0QixNjlKttxtdEaqD5xVrptkVa4XakjvD34SPxN9fe4"
    "1OU+zQJc+cWFRs0a13msCLK0i+AYxUr8Izwk8Mz7cdK4jD8DBFk2lCpCdzx+4s4Rq37AYt"
    "u7tnl1iTQmmZAcGbkjK3TKatI/tSRbLzMZndjGmmRbJftcVTeae32Du9nawrGyvy6OdMvx"
    "4l6XduPJKd3DCUL5KGqfEysAh3rLcuqUsxVEeOtE9orXRbQCSenbQ3YDbcnbFBIB5iX24M"
    "xN9ALUYOnGe/qsjIBiMju+P3XJtbZsmez2H44cWUVaLRCTaSMY5QxRVVl+yjR76DcGfge9"
    "moN2+q1wcnR4fH5ZgB5mN/Oufz2szm0m2DdcX5biHrfmO6W7hTbccAzpvxNrO0tqmWaCSh"
    "K3UHoZ/utWgX4SBIMFt82kaLcMTIE5qYjLygAw1POe47R0fkXP7/xPwgTrHAyB0ZmQz+1v"
    "GLOIsCGj1pM3/GxnKGFSdr/EymHA1fELwrxxVEsDZGTxbwHQQWqo2expiLszi8bbWHyDZh"
    "BLgtH8vzNqamxWX5PhuaR/BEFkCTdkxGVAkSvoZMZWhmX+J870O1H3F7eGeWmuVP3by7Km"
    "Uvl9c/y0m1uxw0UfJXe42djcnvqm4qoikuuy+gmoZEm9FMV1V3Mp9aepFbKzUd/gp0I1QK"
    "3ix4UzO2s2r5+BSqSup2FOjZOm6rbKi1aAC7a0PF9ngk2FHzu0DSbanEDSiLDaoqmlrmI9"
    "WJ9cME6wQJ4hewPUQVQ+RCpVfksYBCaAjjQBwaaJEJmQyJRXRpwXBh1YiDAX+wHHH44Jx9"
    "tZK79Jkg0EwLjCYsDCw3CgWG3COMOhT3luceitnKY0LJJA2GjYFFRsqXvNnDKaJTUUBnj9"
    "Ptod6+/ITlkHMUT4SI06pUiG1PhVCamtLUlKZWTFPzc3gSVLRIek+6bhbNJMqjkrlA/NUW"
    "+axUlj8Ujmb4TyR/HMI/oPVMpg4sAIRHIPGk5hQQiSMHXJ/zvKN7yWMv0KjkmNmeaDfZWF"
    "XE2zJ+lqWcKWfqqp2pfzg4pYh3psMvSqZC/QtD/aadpO5mAeyTKHAXgQs6s0H/SxLYbybA"
    "UTIF8iKQ3X1JhWMuPpECeGHcZUrYwDCTcnZTtYgZGlX8KqHUvK/x5cc0SqJMThVyUYb8zh"
    "vycxxhCbgGNXn2FNYoG5xBtdPo9jrNem9T/pHo1p0EH0lsZ0+6nyS+mWixr6TN/GBSJD9P"
    "+CmIfk8sdIAnpgMoo9bdTQMQOvSCQyPDxNz+MO8fWcJ4GT4Rb+4yA02zZxNEyWSm1lvcJP"
    "HDCSLL6c1jKxfMOl0wu1WaoTjQpdrdLxU0dF76rNu4vq4gmxhGn102vzQvG6Lggk5FNJnp"
    "ffZT/baCftemYmt/ryE4odjaDx8YsXmfXTVEFQciijdUv8IawM8w4u11EzrZUzAA+qzWbt"
    "114V4mc2y4Q+O23RVXdSL9o30mgjCXneq/q/AUT5SPdWDJrnW0+a36Khf0Fbmg2+Bc2zIT"
    "L4fhXD4tkFA3tWjhbUoBjQI3G1xXBSmIbkik4M2GF4RFgrsnE1yf5N1l2RYCFmRvQVw9Cg"
    "VrZhhDReNWHI2TiiLYcwVXb5RMMd3sRexiNbLMyatA9gkVzAtgJpwbJP00sBznKc2MsM28"
    "oySrr7WE2eb7W0S1te5nUWzNHr/GgFs2XzEdK0lNzjkTAfUaC/RNMHM847fATNxUW3diHl"
    "xqUZmvLez4TiXICt+C2dhoyvGW8Z1VZxwTnfKk3IDM8oIhkSotWKC0ICNEt2FxPlKSsIEw"
    "E/E4qcK9AO4+axu8yl5PoFbKTbZyw8wkZ2jG0QFmojN0Dxj2p1zVoD9lVIP+NF8NWhXLTE"
    "d/f3eIqGMf923WfYwyj33cQIrWtnFUlaG1paiqDK2VZmiFuUSbTNHaMm6w8xlakbLBCQla"
    "s0WFF5xoNwjLGOfayxbbny/3k/nmjVfxjOjoAAc5HWgKF2zQ22E800LYzdT44P5gcVfRCm"
    "7RZ1TMszNxc78sootDDcTAmKMJ5o5F+Qs6+M21zX5zCxeMKMMGggXLkQxlZySDBR+Tn4pD"
    "ngduAtZbig7U6P17yav6sVw+OTkvH52cXXw6PT//dHEUCJL5S1kSpdb8pxAqM3rWW7Kvkt"
    "HfhYyrV5qay89p8r+FRHMjzQU7UJlNFZUZ8ioH0/FRfg8TSAR4/aRjxzIhnqF7nyjnd+OB"
    "eDYnIEuLwxyjVEBnA50VfkwJtm8g5LjDkkx5TNOh303fWR6PqdreuHI3j9ov9kZvxIbL6d"
    "QI08YTbD3UzUfAXS6WOZ/EfKfDLNfE0O8OsET6L3RQ9ETNQfwiyq0HQyCbiAKK6AlDs/1A"
    "dLEZjHIbuQIQjUyrEhSAt6lO5MYQ0xHVCR+x4ZA5H8VK7tJnY6wjZjKCuInu6SMRLo6xaV"
    "CgOYQbwQhE+ia8Ow3JPWYfZC1FykWBRWZy79b4HtZRmscir1fCvU0hjYKklNF9pUaxWefE"
    "SvSJjDo8YqGDlpCSNplqLsfp3rXN7IORmN67EMLk7N53BaAyI1ZsRqgQfDr0u2lGpIXg51"
    "TeDatnHcyzVbOOx+DyqGViWeUOGgVkok6hMzSoPQYlRWo9weE7FVS/bCLMdNRtXDfroozh"
    "X2RcZ+jYlBHbRlINat7Wq/JaQuBoFbfpM1C7pNYlT/VBB/IblA3HtggxNWvtL43ubVXqep"
    "ph2hmlFEP9SMWHdic+tHk9eNN8We173z5FLbBMC7jUA5r3WCtuoTd9S+R19JTjpEMkZg9B"
    "zjhBIn7wcr7yO5LMFWSyaI5XSliKTCHi3AGRsJi8xAzySE3HRjY3wYaKiMC5SjzLGzo7D0"
    "MJ190Rror3v8bLIT6Egrw/oFG8f0Ek1WVDg6lWNPdilvA9BqyPiuRfqNCaCq2p0FqmLnj1"
    "nOa08a5kaoCj52Jumrh+FhyFjKaYWujgN9eu/Q3ddS9rneuKONmY2tJ7opuwBqyECoxLG1"
    "U5VPZG51MOFeVQ2bTGMq9UW8mgZSp8Kbi9E5V6ga63Jf6UtsOH5vNP5jBJjIYXMyXp7+Zw"
    "YMquuWRpOs6L0zG+RdMFf1USbCslmFgPSTOQLsFCin2UYLkqFBxnVCg4nq9QMHJYUGM8L8"
    "pRGoVzPpyxdZ+gi/3UbbdSbHCvf1zoUY2j/yGD2iszFEt/9+cXDR1qcMrsj+J+/yitXwwK"
    "fGZyD3yMD26qX+Pw16/btXhSgRigFpsKIe2KTUZIsR3TIW67N9MhhHyCSpg+GwGBmoylT4"
    "bafpEuJHYzbyrX9gvOxWbtIid2RUnW5yNeVX3hlTiIN1S0gFhUG5eSCha4Vw4zixWEfVZp"
    "fhUyuN6LtbWyg08eiWUXVPEjJHuo4Zc/fcqh4UOvVA1fXotp+PBRFUDY676H6K7EfoI78s"
    "QyRel6YoRk/ZriZtyGS9MJNyrMvv8fAaPKcA=="
)
