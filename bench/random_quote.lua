-- Each request asks for one of 100 tickers at random (BNCH000.SA .. BNCH099.SA).
math.randomseed(os.time())
request = function()
  return wrk.format("GET", string.format("/quotes?tickers=BNCH%03d.SA", math.random(0, 99)))
end
