# One image for both apps: `node dist/apps/relay/src/main.js` or `node dist/apps/agent/src/main.js`.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/shared/package.json libs/shared/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build --projects=shared,agent,relay && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/libs/shared/package.json libs/shared/package.json
COPY --from=build /app/libs/shared/dist libs/shared/dist
COPY --from=build /app/dist dist
COPY package.json ./
USER node
CMD ["node", "dist/apps/relay/src/main.js"]
