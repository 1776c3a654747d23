from carteira.cli import main

raise SystemExit(main())
