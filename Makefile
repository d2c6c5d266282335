# shishi's front door. On a fresh Debian machine:
#   make report    # installs everything, then makes reports/2024Q4/ from the sample in data/raw
#   make test      # installs everything, then runs the tests
# `make` alone lists the targets: each target's `##` comment below is its help line.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PERIOD ?= 2024Q4
# A unit's working folder made by `make init DIR=...`; empty = the sample in data/raw.
DIR ?=
NAME ?=
# A spreadsheet or folder for `make inspect`.
FILE ?=
BRANCHES ?=
# JupyterLab: 127.0.0.1 = this machine only; IP=0.0.0.0 lets a browser on another machine in.
IP ?= 127.0.0.1
PORT ?= 8888
# A package mirror for pip (e.g. PIP_INDEX_URL=https://mirrors.aliyun.com/pypi/simple/):
# taken from the environment or the make command line and handed to pip.
export PIP_INDEX_URL PIP_TRUSTED_HOST
# Debian packages the reports need: CJK fonts for text and charts (AR PL KaitiM GB: 楷体 headings), the libraries WeasyPrint
# lays pages out with, and poppler-utils (pdftotext/pdftoppm) for the tests and page previews.
# SKIP_APT=1 skips them (installed another way, see README「字体装不上时」).
APT_PACKAGES := fonts-noto-cjk fonts-arphic-gkai00mp libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
SKIP_APT ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
ALLOW_ROOT := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
WORKDIR_ARG := $(if $(DIR),--workdir "$(DIR)")
# make report DRAFT=1 / FORCE=1 pass --draft / --force (0, no or false leave them off).
DRAFT ?=
FORCE ?=
flag = $(if $(filter-out 0 no false,$(1)),$(2))
# Run shishi, then say in Chinese what its exit code means (one table, src/metrics/errors.py,
# printed by `shishi explain-exit`). make itself can only end with 0 or 2, and a failing recipe
# adds an English "make: *** ... Error N" line: so shishi's documented outcomes (2-8) end the
# recipe quietly with 0 after that line - the code to read is the one it names (README
# 「退出码」); scripts run .venv/bin/shishi directly and read $$?. A bug (1) or an interrupt
# still fails make.
# shishi's exit code said in Chinese on the last line (errors.EXIT_MEANINGS); a code other than 0
# still fails the make target, so a script or scheduler running `make report` never reads an
# incomplete quarter as a success (make then adds its own "Error N" line, which names that code).
define shishi
code=0; $(BIN)/shishi $(1) || code=$$?; $(BIN)/shishi explain-exit $$code; \
	if [ $$code -ne 0 ]; then echo "（make 随后显示的英文 “Error $$code” 说的就是这个退出码）"; fi; \
	exit $$code
endef

.PHONY: help setup system python kernel bytecode report clean clean-data init template inspect lab test lint \
	format lock upgrade bench screenshots clobber

help: ## 列出所有命令（本列表）
	@echo "用法：make 目标 [PERIOD=2025Q1] [DIR=工作文件夹]"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'
	@echo "例：make report PERIOD=2024Q3；make init DIR=~/实事报告；make report DIR=~/实事报告 PERIOD=2025Q1"

setup: system python kernel bytecode ## 只安装（系统软件包、.venv、Jupyter 内核），其他目标会自动先做

# System packages: installed only when one is missing, so repeated runs cost nothing.
system:
	@if [ -n "$(SKIP_APT)" ]; then exit 0; fi; \
	missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "正在安装 Debian 软件包:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing \
	  || { echo "系统软件包安装失败。见 README「字体装不上时」，装好后用 make ... SKIP_APT=1"; exit 1; }; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Reinstall when pyproject.toml or the lock changes; the stamp keeps later runs quick.
# requirements.lock pins every package at the version the tests last passed with, so a fresh
# machine gets the same ones (`make lock` rewrites it after a deliberate upgrade).
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[dev]"
	touch $@

python: $(VENV)/.installed

# shishi's own modules compiled ahead, as pip does for the packages it installs: where
# PYTHONDONTWRITEBYTECODE is set (CI images often set it) every run and every notebook kernel
# would otherwise recompile src/ on import (0.15-0.2 s a process). Up-to-date files are skipped.
bytecode: $(VENV)/.installed
	@$(BIN)/python -m compileall -q src

# A named kernel so JupyterLab and papermill both run the notebooks in this venv.
kernel: $(VENV)/share/jupyter/kernels/shishi/kernel.json
$(VENV)/share/jupyter/kernels/shishi/kernel.json: $(VENV)/.installed
	$(BIN)/python -m ipykernel install --sys-prefix --name shishi --display-name "Python 3 (shishi)" >/dev/null

report: setup ## 生成报告（默认示例数据 → reports/2024Q4/；DIR=工作文件夹 PERIOD=2025Q1 [DRAFT=1] [FORCE=1]）
	@$(call shishi,report $(WORKDIR_ARG) $(foreach p,$(PERIOD),--period $(p)) \
	  $(call flag,$(DRAFT),--draft) $(call flag,$(FORCE),--force))

clean: setup ## 只清洗数据，不生成报告（DIR=工作文件夹 可选）
	@$(call shishi,clean $(WORKDIR_ARG))

clean-data: clean

init: setup ## 建立本单位的工作文件夹：DIR=~/实事报告 [NAME=单位名称 BRANCHES="部门一 部门二"]
	@if [ -z "$(DIR)" ]; then echo "请写出工作文件夹，例如：make init DIR=~/实事报告"; \
	  $(BIN)/shishi explain-exit 2; exit 0; fi
	@$(call shishi,init "$(DIR)" $(if $(NAME),--name "$(NAME)") $(foreach b,$(BRANCHES),--branch "$(b)"))

template: setup ## 生成各部门的空白台账：DIR=工作文件夹 PERIOD=2025Q1（无 DIR 时写到 templates/）
	@$(call shishi,template $(WORKDIR_ARG) --period $(PERIOD))

inspect: setup ## 查看 shishi 怎么读一个表格或文件夹（只读）：FILE=原始数据/某表.xlsx
	@if [ -z "$(FILE)" ]; then echo "请写出要查看的表格或文件夹，例如：make inspect FILE=data/raw/捐款捐物登记2024.xlsx"; exit 2; fi
	$(BIN)/shishi inspect "$(FILE)"

lab: setup ## 用 JupyterLab 打开报告笔记本（shishi 内核）；别的电脑访问：IP=0.0.0.0 [PORT=8888]
	@echo "JupyterLab 启动后，复制下面带 token= 的网址到浏览器；按 Ctrl-C 两次退出。"
	$(BIN)/jupyter lab --no-browser $(ALLOW_ROOT) --ip=$(IP) --port=$(PORT) \
	  --ServerApp.root_dir="$(CURDIR)" --ServerApp.default_url=/lab/tree/notebooks \
	  --MappingKernelManager.default_kernel_name=shishi

test: setup lint ## 运行代码检查（ruff、mypy）和全部测试（CI 运行的就是它）
	$(BIN)/python -m pytest

lint: setup ## 代码检查：ruff（规范和排版）、mypy（类型）
	$(BIN)/ruff check src tests benchmarks scripts notebooks
	$(BIN)/ruff format --check src tests benchmarks scripts notebooks
	$(BIN)/mypy

format: setup ## 自动排版代码（ruff）
	$(BIN)/ruff format src tests benchmarks scripts notebooks
	$(BIN)/ruff check --fix src tests benchmarks scripts notebooks

screenshots: ## 用示例报告重新生成 docs/ 里的截图（README 用）和各期报告的全部页面（docs/pages/）
	$(MAKE) report PERIOD=2024Q4
	$(MAKE) report PERIOD=2024
	-$(MAKE) report PERIOD=2025Q1 DRAFT=1  # 一季度台账未收齐：草稿（退出码 5 是预期的）
	pdftoppm -png -r 60 -f 1 -l 1 -singlefile reports/2024Q4/quarterly_summary.pdf docs/quarterly_summary
	pdftoppm -png -r 60 -f 2 -l 2 -singlefile reports/2024Q4/quarterly_summary.pdf docs/quarterly_summary_p2
	pdftoppm -png -r 60 -f 1 -l 1 -singlefile reports/2024Q4/data_quality.pdf docs/data_quality
	for p in 2024Q4 2024 2025Q1; do \
	  $(BIN)/python scripts/contact_sheet.py --dpi 36 reports/$$p/quarterly_summary.pdf docs/pages/简报_$$p.png; done
	$(BIN)/python scripts/contact_sheet.py --dpi 36 reports/2024Q4/data_quality.pdf docs/pages/数据质量报告_2024Q4.png

lock: setup ## 按当前 .venv 中的版本重写 requirements.lock（维护人员用；先 make test 通过再提交）
	{ echo "# Versions the tests passed with; written by make lock / make upgrade. pip install -c requirements.lock"; \
	  $(BIN)/python -m pip freeze --exclude-editable | grep -v '^shishi'; } > requirements.lock
	touch $(VENV)/.installed

upgrade: setup ## 把依赖升级到最新版本并重写 requirements.lock（维护人员用；再 make test 通过才提交）
	$(BIN)/python -m pip install -q --upgrade --upgrade-strategy eager -e ".[dev]"
	@$(MAKE) --no-print-directory lock SKIP_APT=1

bench: setup ## 性能测试（见 docs/performance.md）
	$(BIN)/python benchmarks/run.py

clobber: ## 删除 .venv 和示例的清洗结果、报告（工作文件夹不受影响）
	rm -rf $(VENV) data/processed/*.parquet data/processed/*.csv data/processed/*.json reports/*/
