from lillesite.cli import main

raise SystemExit(main())
