# Production image: compiled adapter on Node 24, without dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY profiles/fsh-generated ./profiles/fsh-generated
COPY examples/journeys ./examples/journeys
# The store's Lua scripts are read from src/store/lua/ under the package root (src/store/lua-loader.ts).
COPY src/store/lua ./src/store/lua
USER node
EXPOSE 8080
ENTRYPOINT ["node", "dist/src/main.js"]
CMD ["start"]
