# syntax=docker/dockerfile:1
# One image for all four apps; docker-compose.yml picks the app with its command, e.g.
#   node dist/apps/command-api/src/main.js   (also query-api, event-processor, proposal-subscriber)
# The apps find sql/ by walking up from their compiled file, so /app holds dist/, sql/ and node_modules/.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---- build: all dependencies (swc, typescript are devDependencies), compile apps/ and libs/ to dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY .swcrc tsconfig.base.json tsconfig.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# ---- runtime: production dependencies only, the compiled code and the SQL files
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund \
 && npm cache clean --force
COPY sql ./sql
COPY --from=build /app/dist ./dist
# Files stay owned by root and read-only to the app; it only reads them.
USER node
# command-api 3000, query-api 3001, event-processor 3002, proposal-subscriber 3003 (each serves GET /health)
EXPOSE 3000 3001 3002 3003 3004
CMD ["node", "dist/apps/command-api/src/main.js"]
