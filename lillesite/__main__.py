from lillesite.cli import run

run()
